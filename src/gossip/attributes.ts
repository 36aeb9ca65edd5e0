// The attributes a peer reports to aggregation and slicing, and their schema limits. A value
// outside its limits is clamped before it enters any estimate (a peer's own and every one
// received), which is what bounds a peer that reports absurd values (docs/gossip.md).
import { Type, type Static } from '@sinclair/typebox';

/** Upper limits of each attribute: generous for an honest volunteer, small enough to bound a liar. */
export const ATTRIBUTE_LIMITS = {
  /** CPU cores a volunteer offers: a big workstation has 256. */
  cores: 256,
  /** Bytes of storage offered: 64 TiB, a large home NAS. */
  storageOfferedBytes: 64 * 2 ** 40,
  /** Bytes of storage used: as much as can be offered. */
  storageUsedBytes: 64 * 2 ** 40,
  /** Tasks running at once on one peer. */
  tasksRunning: 1_024,
  /** Seconds up: ten years. */
  uptimeS: 10 * 365 * 86_400,
} as const;

export type AttributeName = keyof typeof ATTRIBUTE_LIMITS;
export const ATTRIBUTE_NAMES = Object.keys(ATTRIBUTE_LIMITS) as AttributeName[];
export type Attributes = Record<AttributeName, number>;

/**
 * Trimming: once a peer knows the means of the last epoch, it contributes at most TRIM_FACTOR
 * times the mean of each attribute (but never less than its floor), and clamps what it receives
 * to the same bound with TRIM_MARGIN of slack for the small differences between peers' means.
 * An honest state is an average of trimmed values, so it never exceeds the bound; a liar's
 * reports are cut to it. 16 is above the largest honest multiple of the mean the simulated
 * populations hold (storage offered: 8.3).
 */
export const TRIM_FACTOR = 16;
export const TRIM_MARGIN = 1.05;
/** Bounds trimming never goes below, so that a mean of 0 (no tasks anywhere) can still grow. */
export const TRIM_FLOORS: Attributes = { cores: 16, storageOfferedBytes: 2 ** 40, storageUsedBytes: 2 ** 40, tasksRunning: 16, uptimeS: 86_400 };

/** The bound of each attribute this epoch: its limit, or trimmed by the last epoch's means. */
export function boundsOf(lastMean: Attributes | null): Attributes {
  const out = {} as Attributes;
  for (const n of ATTRIBUTE_NAMES) out[n] = lastMean === null ? ATTRIBUTE_LIMITS[n] : Math.min(ATTRIBUTE_LIMITS[n], Math.max(TRIM_FLOORS[n], TRIM_FACTOR * lastMean[n]));
  return out;
}

/** The attribute slicing ranks peers by. */
export const SLICE_ATTRIBUTE: AttributeName = 'uptimeS';

/** A value as aggregation takes it: a finite number in [0, limit]; anything else counts as 0. */
export function clampAttribute(name: AttributeName, v: number): number {
  if (!Number.isFinite(v) || v <= 0) return 0;
  return Math.min(v, ATTRIBUTE_LIMITS[name]);
}

/** Attributes clamped to their limits, and to `bounds` when given (trimming). */
export function clampAttributes(a: Attributes, bounds?: Attributes): Attributes {
  const out = {} as Attributes;
  for (const n of ATTRIBUTE_NAMES) out[n] = Math.min(clampAttribute(n, a[n]), bounds?.[n] ?? Infinity);
  return out;
}

/** A vector of one number per attribute, in ATTRIBUTE_NAMES order, on the wire. */
export const AttributeVector = Type.Array(Type.Number({ minimum: 0 }), { minItems: ATTRIBUTE_NAMES.length, maxItems: ATTRIBUTE_NAMES.length });
export type AttributeVector = Static<typeof AttributeVector>;

export function toVector(a: Attributes): number[] {
  return ATTRIBUTE_NAMES.map((n) => a[n]);
}

export function fromVector(v: readonly number[]): Attributes {
  const out = {} as Attributes;
  ATTRIBUTE_NAMES.forEach((n, i) => (out[n] = v[i] ?? 0));
  return out;
}
