// Ordered slicing by aggregation: every peer learns the decile thresholds of an attribute, and so
// its own decile, without any list of peers being collected. Each epoch the leader of the slicing
// instance (the lowest ticket) publishes probe positions inside the brackets it holds for each
// quantile; every peer contributes "my value is below this probe" (1 or 0) and push-pull
// averaging turns that into the fraction of peers below each probe. At the end of the epoch each
// bracket shrinks to the two probes that straddle its quantile, so the thresholds sharpen by a
// factor PROBES_PER_QUANTILE - 1 per epoch, and widen again when the population moves.
// Positions are in log1p space, u = ln(1 + value), so one scheme fits bytes, cores and seconds.
// An instance carries only its brackets' ends (2 numbers per quantile, not PROBES_PER_QUANTILE):
// every peer computes the probes between them with the same arithmetic, so all agree on them.
import { PROBES_PER_QUANTILE, SLICE_QUANTILES } from './constants.js';

/** A quantile's bracket in log1p space: the fraction of peers below lo is under q, below hi at least q. */
export interface Bracket {
  lo: number;
  hi: number;
  /** The fractions of peers below lo and below hi, as last measured (0 and 1 before any). */
  fLo: number;
  fHi: number;
}

/** A bracket is never shrunk below this width: narrower, every value is told apart anyway. */
const MIN_WIDTH = 1e-9;
/** A bracket that lost its quantile grows back this many widths on the side where it went. */
const REGROW = 4;

export function logValue(v: number): number {
  return Math.log1p(Math.max(0, v));
}

/** Brackets over the whole range of an attribute whose limit is `limit`. */
export function initialBrackets(limit: number): Bracket[] {
  return SLICE_QUANTILES.map(() => ({ lo: 0, hi: logValue(limit), fLo: 0, fHi: 1 }));
}

/** Probes in an epoch's slicing instance: PROBES_PER_QUANTILE for each quantile. */
export const PROBES = SLICE_QUANTILES.length * PROBES_PER_QUANTILE;

/** The ends of the brackets, lo and hi of each quantile in turn: what a slicing instance carries. */
export function endsOf(brackets: readonly Bracket[]): number[] {
  const out: number[] = [];
  for (const b of brackets) out.push(b.lo, b.hi);
  return out;
}

/** Probe j of the instance with these ends: point k of quantile i's bracket, lo to hi inclusive. */
export function probeAt(ends: readonly number[], j: number): number {
  const i = (j / PROBES_PER_QUANTILE) | 0;
  const k = j - i * PROBES_PER_QUANTILE;
  const lo = ends[2 * i]!;
  return lo + ((ends[2 * i + 1]! - lo) * k) / (PROBES_PER_QUANTILE - 1);
}

/** Every probe of an epoch: for each quantile, PROBES_PER_QUANTILE points from lo to hi inclusive. */
export function probesOf(brackets: readonly Bracket[]): number[] {
  const ends = endsOf(brackets);
  return Array.from({ length: PROBES }, (_, j) => probeAt(ends, j));
}

/** A peer's contribution to the instance with these ends: 1 for each probe its own value lies below. */
export function indicators(u: number, ends: readonly number[]): number[] {
  const out: number[] = [];
  for (let j = 0; j < PROBES; j++) out.push(u < probeAt(ends, j) ? 1 : 0);
  return out;
}

/**
 * The brackets after an epoch: for each quantile, the probes that straddle it; when even lo has
 * q of the peers below it (or hi fewer), the quantile moved out and the bracket regrows that way.
 */
export function narrow(ends: readonly number[], below: readonly number[], maxU: number): Bracket[] {
  return SLICE_QUANTILES.map((q, i) => {
    const p = Array.from({ length: PROBES_PER_QUANTILE }, (_, k) => probeAt(ends, i * PROBES_PER_QUANTILE + k));
    const f = below.slice(i * PROBES_PER_QUANTILE, (i + 1) * PROBES_PER_QUANTILE);
    const lo = p[0]!;
    const hi = p[p.length - 1]!;
    const width = Math.max(hi - lo, MIN_WIDTH);
    if (f[0]! >= q) return { lo: Math.max(0, lo - REGROW * width), hi: lo, fLo: 0, fHi: f[0]! };
    if (f[f.length - 1]! < q) return { lo: hi, hi: Math.min(maxU, hi + REGROW * width), fLo: f[f.length - 1]!, fHi: 1 };
    let a = 0;
    while (a + 1 < p.length && f[a + 1]! < q) a++;
    return { lo: p[a]!, hi: p[a + 1]!, fLo: f[a]!, fHi: f[a + 1]! };
  });
}

/**
 * A peer's decile (0 lowest … 9 top tenth) from the brackets: how many quantiles its value
 * reaches. Inside a bracket the fraction below is interpolated between the bracket's ends; once a
 * bracket holds a single peer's value that peer is the one just under the quantile, and the
 * interpolation puts it there.
 */
export function decileOf(u: number, brackets: readonly Bracket[]): number {
  let d = 0;
  SLICE_QUANTILES.forEach((q, i) => {
    const b = brackets[i]!;
    if (u <= b.lo) return;
    if (u >= b.hi || b.fLo + ((b.fHi - b.fLo) * (u - b.lo)) / (b.hi - b.lo) >= q) d++;
  });
  return d;
}
