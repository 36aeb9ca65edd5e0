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

/** What an exchange carries of a state (schemas.ts has each field's meaning). */
export type AggBody = Omit<AggMsg, 'n' | 'ageMs' | 'passive'>;

/**
 * One peer's state in an epoch. `count` holds the counting instances as (ticket, mass) pairs,
 * lowest ticket first: the peer that leads an instance started it with mass 1, every other with
 * 0, and 1 / mass estimates the size. `ends` is never written to once made, so states and
 * messages share it; every other list is this state's own.
 */
export type AggState = AggBody;

const LIMITS = ATTRIBUTE_NAMES.map((n) => ATTRIBUTE_LIMITS[n]);

/**
 * A peer's state at the start of an epoch: its own values, its own ticket, its own brackets. A
 * peer that leads (it began the epoch on time) starts a counting instance of its own; one that
 * joins late only joins the others', since an instance begun late has no time to spread its mass.
 */
export function initialState(epoch: number, own: Attributes, ticket: number, ends: readonly number[], sliceU: number, lead = true): AggState {
  const v = ATTRIBUTE_NAMES.map((n) => own[n]);
  return { epoch, avg: [...v], max: [...v], count: lead ? [ticket, 1] : [], sliceT: ticket, ends, below: indicators(sliceU, ends) };
}

/** What goes on the wire: a copy, so later changes to the state do not reach a message in flight. */
export function snapshot(s: AggState, n = 0, ageMs = 0, passive = false): AggMsg {
  const msg: AggMsg = { n, epoch: s.epoch, ageMs, avg: s.avg.slice(), max: s.max.slice(), count: s.count.slice(), sliceT: s.sliceT, ends: s.ends, below: s.below.slice() };
  if (passive) msg.passive = true;
  return msg;
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

/** The mass of the instance with ticket t in a list of pairs, 0 when the list has no such instance. */
function massOf(pairs: readonly number[], t: number): number {
  for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === t) return pairs[k + 1]!;
  return 0;
}

/** Insert ticket t (mass 0) into pairs kept in ticket order, unless it is there. */
function addTicket(out: number[], t: number): void {
  for (let k = 0; k < out.length; k += 2) if (out[k] === t) return;
  let p = out.length;
  out.push(t, 0);
  while (p > 0 && out[p - 2]! > t) {
    out[p] = out[p - 2]!;
    out[p + 1] = out[p - 1]!;
    p -= 2;
  }
  out[p] = t;
  out[p + 1] = 0;
}

/** The COUNT_INSTANCES lowest distinct tickets of two lists of pairs (a few each), ascending, with mass 0. */
function lowestTickets(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < a.length; k += 2) addTicket(out, a[k]!);
  for (let k = 0; k < b.length; k += 2) addTicket(out, b[k]!);
  if (out.length > 2 * COUNT_INSTANCES) out.length = 2 * COUNT_INSTANCES;
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
  const count = lowestTickets(mine, them.count);
  for (let k = 0; k < count.length; k += 2) count[k + 1] = clamp01((massOf(mine, count[k]!) + massOf(them.count, count[k]!)) / 2);
  s.count = count;
  if (them.sliceT < s.sliceT) joinSlice(s, them, sliceU);
  else if (them.sliceT === s.sliceT) {
    const below = s.below;
    const theirs = them.below;
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
  const count = lowestTickets(mine, reply.count);
  for (let k = 0; k < count.length; k += 2) {
    const t = count[k]!;
    count[k + 1] = clamp01(massOf(mine, t) + (massOf(reply.count, t) - massOf(sent.count, t)) / 2);
  }
  s.count = count;
  // The slicing instance: a lower ticket wins and this peer joins it with its own indicators (one
  // way, so no mass moves); the same ticket as what we sent settles like the averages.
  if (reply.sliceT < s.sliceT) joinSlice(s, reply, sliceU);
  else if (sent.sliceT === s.sliceT && reply.sliceT === s.sliceT) {
    const below = s.below;
    const got = reply.below;
    const gave = sent.below;
    for (let i = 0; i < below.length; i++) below[i] = clamp01(below[i]! + (got[i]! - gave[i]!) / 2);
  }
}

/** Join the slicing instance of a lower ticket with this peer's own indicators. */
function joinSlice(s: AggState, them: AggBody, sliceU: number): void {
  s.sliceT = them.sliceT;
  s.ends = them.ends;
  s.below = indicators(sliceU, them.ends);
}

/** A passive peer's side of an exchange: take the partner's state (clamped to `bounds`) as its own. */
export function adopt(s: AggState, them: AggBody, bounds: readonly number[] = LIMITS): void {
  const avg = s.avg;
  const max = s.max;
  for (let i = 0; i < avg.length; i++) {
    avg[i] = Math.min(them.avg[i]!, bounds[i]!);
    max[i] = Math.max(max[i]!, Math.min(them.max[i]!, LIMITS[i]!));
  }
  s.count = them.count.slice();
  s.sliceT = them.sliceT;
  s.ends = them.ends;
  s.below = them.below.slice();
}

/** The size an epoch's state estimates: the median of its instances' 1/c, or null when none has mass. */
export function sizeOf(s: AggState): number | null {
  const est: number[] = [];
  for (let k = 1; k < s.count.length; k += 2) if (s.count[k]! > 0) est.push(1 / s.count[k]!);
  est.sort((a, b) => a - b);
  if (est.length === 0) return null;
  return est[Math.floor((est.length - 1) / 2)]!;
}
