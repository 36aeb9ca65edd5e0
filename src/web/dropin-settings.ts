// The drop-in's settings, read from data attributes of its script tag. The page author writes
// them, but they are still input: each is checked, and a bad one is refused with a clear message
// rather than guessed at (a wrong capacity would let too many POSTs through).
import { MAX_CAPACITY, MAX_WAIT_MS } from '../services/coord/constants.js';
import { DROPIN_MAX_HOLD_MS, DROPIN_MIN_HOLD_MS } from '../services/coord/dropin-wire.js';

export type DropinMode = 'throttle' | 'queue';
/** open: when Cumulus cannot decide, forms go through unguarded; closed: they are refused. */
export type DropinFail = 'open' | 'closed';

export interface DropinSettings {
  /** The Cumulus server the page's peer joins through. */
  serverUrl: string;
  /** POSTs to one form action allowed at once, over every visitor. */
  capacity: number;
  /** throttle: refuse at once when full; queue: wait up to waitMs for a free slot. */
  mode: DropinMode;
  waitMs: number;
  fail: DropinFail;
  /** Longest a sent POST keeps its slot when the page never sees its answer (a download, a 204). */
  holdMs: number;
}

/** A queue waits this long by default: long enough to ride out a burst, short enough to not feel stuck. */
export const DEFAULT_QUEUE_WAIT_MS = 10_000;
/** Longer than most form POSTs take; the slot is normally released as soon as the answer arrives. */
export const DEFAULT_HOLD_MS = 10_000;

export class DropinSettingsError extends Error {}

function int(raw: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d{1,9}$/.test(raw)) throw new DropinSettingsError(`data-${name} must be a whole number, not "${raw.slice(0, 40)}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new DropinSettingsError(`data-${name} must be in [${min}, ${max}], not ${n}`);
  return n;
}

/**
 * data-capacity (default 1), data-mode (queue | throttle, default queue), data-wait-ms (queue
 * only, default 10 s), data-fail (open | closed, default open), data-hold-ms (default 10 s),
 * data-server (default: the origin the script was loaded from).
 */
export function parseSettings(data: Record<string, string | undefined>, scriptSrc: string): DropinSettings {
  const mode = data.mode ?? 'queue';
  if (mode !== 'queue' && mode !== 'throttle') throw new DropinSettingsError(`data-mode must be queue or throttle, not "${mode.slice(0, 40)}"`);
  const capacity = int(data.capacity, 'capacity', 1, 1, MAX_CAPACITY);
  const waitMs = mode === 'throttle' ? 0 : int(data.waitMs, 'wait-ms', DEFAULT_QUEUE_WAIT_MS, 0, MAX_WAIT_MS);
  const fail = data.fail ?? 'open';
  if (fail !== 'open' && fail !== 'closed') throw new DropinSettingsError(`data-fail must be open or closed, not "${fail.slice(0, 40)}"`);
  const holdMs = int(data.holdMs, 'hold-ms', DEFAULT_HOLD_MS, DROPIN_MIN_HOLD_MS, DROPIN_MAX_HOLD_MS);
  let serverUrl: string;
  try {
    serverUrl = new URL(data.server ?? scriptSrc).origin;
  } catch {
    throw new DropinSettingsError(`data-server is not a URL: "${(data.server ?? scriptSrc).slice(0, 80)}"`);
  }
  if (!/^https?:$/.test(new URL(serverUrl).protocol)) throw new DropinSettingsError('data-server must be an http(s) URL');
  return { serverUrl, capacity, mode, waitMs, fail, holdMs };
}

