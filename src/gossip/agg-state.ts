// One peer's state in an aggregation epoch and the arithmetic of a push-pull exchange, pure.
// The receiver of an exchange sets each average to the mean of its value and the sender's and
// replies with its value from before; the sender then moves by half the difference between that
// reply and what it sent (not to the mean of its current value), so exchanges that overlap in
// time still conserve the sum of every averaged quantity (the mass), which is what makes the
// averages exact in the limit. Every received number is clamped to its schema limit first.
import { ATTRIBUTE_LIMITS, ATTRIBUTE_NAMES, type Attributes } from './attributes.js';
import { COUNT_INSTANCES } from './constants.js';
import { indicators } from './quantiles.js';
import type { AggMsg } from './schemas.js';

export interface CountInstance {
  /** The ticket of the peer that leads the instance (it started with mass 1, everyone else 0). */
  t: number;
  /** This peer's share of the instance's mass: the instance estimates the size as 1 / c. */
  c: number;
}

export interface AggState {
  epoch: number;
  avg: number[];
  max: number[];
  count: CountInstance[];
  slice: { t: number; probes: number[]; below: number[] };
}

export type AggBody = Omit<AggMsg, 'n' | 'ageMs' | 'passive'>;

const LIMITS = ATTRIBUTE_NAMES.map((n) => ATTRIBUTE_LIMITS[n]);

/**
 * A peer's state at the start of an epoch: its own values, its own ticket, its own probes. A peer
 * that leads (it began the epoch on time) starts a counting instance of its own; one that joins
 * late only joins the others', since an instance begun late has no time to spread its mass.
 */
export function initialState(epoch: number, own: Attributes, ticket: number, probes: number[], sliceU: number, lead = true): AggState {
  const v = ATTRIBUTE_NAMES.map((n) => own[n]);
  return { epoch, avg: [...v], max: [...v], count: lead ? [{ t: ticket, c: 1 }] : [], slice: { t: ticket, probes, below: indicators(sliceU, probes) } };
}

/** What goes on the wire: a copy, so later changes to the state do not reach a message in flight. */
export function snapshot(s: AggState): AggBody {
  return { epoch: s.epoch, avg: s.avg.slice(), max: s.max.slice(), count: s.count.map((i) => ({ t: i.t, c: i.c })), slice: { t: s.slice.t, probes: s.slice.probes.slice(), below: s.slice.below.slice() } };
}

/**
 * A received body with every mean clamped to this epoch's bound (a limit, or trimmed: see
 * attributes.ts) and every maximum to its limit: the bound on a peer that lies. The exchange
 * functions below apply the same clamp as they read, so that no copy is made per message; a
 * received body is never written to (in the simulator it is the sender's own object).
 */
export function clampBody(b: AggBody, bounds: readonly number[] = LIMITS): AggBody {
  return { ...b, avg: b.avg.map((x, i) => Math.min(x, bounds[i]!)), max: b.max.map((x, i) => Math.min(x, LIMITS[i]!)) };
}

function countOf(list: readonly CountInstance[], t: number): number {
  for (let k = 0; k < list.length; k++) if (list[k]!.t === t) return list[k]!.c;
  return 0;
}

/** The COUNT_INSTANCES lowest distinct tickets of two lists (at most a few entries each), ascending. */
function lowestTickets(a: readonly CountInstance[], b: readonly CountInstance[]): number[] {
  const out: number[] = [];
  const add = (t: number): void => {
    let p = out.length;
    for (let k = 0; k < out.length; k++) if (out[k] === t) return;
    out.push(t);
    while (p > 0 && out[p - 1]! > t) {
      out[p] = out[p - 1]!;
      p--;
    }
    out[p] = t;
  };
  for (let k = 0; k < a.length; k++) add(a[k]!.t);
  for (let k = 0; k < b.length; k++) add(b[k]!.t);
  if (out.length > COUNT_INSTANCES) out.length = COUNT_INSTANCES;
  return out;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** The receiver's side of an exchange: update s with the sender's body (same epoch), clamped to `bounds` as read. */
export function absorb(s: AggState, them: AggBody, sliceU: number, bounds: readonly number[] = LIMITS): void {
  const avg = s.avg;
  const max = s.max;
  for (let i = 0; i < avg.length; i++) {
    avg[i] = (avg[i]! + Math.min(them.avg[i]!, bounds[i]!)) / 2;
    max[i] = Math.max(max[i]!, Math.min(them.max[i]!, LIMITS[i]!));
  }
  const mine = s.count;
  s.count = lowestTickets(mine, them.count).map((t) => ({ t, c: clamp01((countOf(mine, t) + countOf(them.count, t)) / 2) }));
  if (them.slice.t < s.slice.t) joinSlice(s, them, sliceU);
  else if (them.slice.t === s.slice.t) {
    const below = s.slice.below;
    const theirs = them.slice.below;
    for (let i = 0; i < below.length; i++) below[i] = clamp01((below[i]! + theirs[i]!) / 2);
  }
}

/** The sender's side: move by half of (reply − what we sent), which conserves every mass. */
export function settle(s: AggState, sent: AggBody, reply: AggBody, sliceU: number, bounds: readonly number[] = LIMITS): void {
  const avg = s.avg;
  const max = s.max;
  for (let i = 0; i < avg.length; i++) {
    avg[i] = avg[i]! + (Math.min(reply.avg[i]!, bounds[i]!) - sent.avg[i]!) / 2;
    max[i] = Math.max(max[i]!, Math.min(reply.max[i]!, LIMITS[i]!));
  }
  const mine = s.count;
  s.count = lowestTickets(mine, reply.count).map((t) => ({ t, c: clamp01(countOf(mine, t) + (countOf(reply.count, t) - countOf(sent.count, t)) / 2) }));
  // The slicing instance: a lower ticket wins and this peer joins it with its own indicators (one
  // way, so no mass moves); the same ticket as what we sent settles like the averages.
  if (reply.slice.t < s.slice.t) joinSlice(s, reply, sliceU);
  else if (sent.slice.t === s.slice.t && reply.slice.t === s.slice.t) {
    const below = s.slice.below;
    const got = reply.slice.below;
    const gave = sent.slice.below;
    for (let i = 0; i < below.length; i++) below[i] = clamp01(below[i]! + (got[i]! - gave[i]!) / 2);
  }
}

/** Join the slicing instance of a lower ticket with this peer's own indicators. */
function joinSlice(s: AggState, them: AggBody, sliceU: number): void {
  s.slice = { t: them.slice.t, probes: them.slice.probes.slice(), below: indicators(sliceU, them.slice.probes) };
}

/** A passive peer's side of an exchange: take the partner's state (clamped to `bounds`) as its own. */
export function adopt(s: AggState, them: AggBody, bounds: readonly number[] = LIMITS): void {
  const avg = s.avg;
  const max = s.max;
  for (let i = 0; i < avg.length; i++) {
    avg[i] = Math.min(them.avg[i]!, bounds[i]!);
    max[i] = Math.max(max[i]!, Math.min(them.max[i]!, LIMITS[i]!));
  }
  s.count = them.count.map((i) => ({ t: i.t, c: i.c }));
  s.slice = { t: them.slice.t, probes: them.slice.probes.slice(), below: them.slice.below.slice() };
}

/** The size an epoch's state estimates: the median of its instances' 1/c, or null when none has mass. */
export function sizeOf(s: AggState): number | null {
  const est = s.count.filter((i) => i.c > 0).map((i) => 1 / i.c).sort((a, b) => a - b);
  if (est.length === 0) return null;
  return est[Math.floor((est.length - 1) / 2)]!;
}
