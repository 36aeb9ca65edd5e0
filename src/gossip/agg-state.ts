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
  return { epoch: s.epoch, avg: [...s.avg], max: [...s.max], count: s.count.map((i) => ({ ...i })), slice: { t: s.slice.t, probes: [...s.slice.probes], below: [...s.slice.below] } };
}

/**
 * A received body with every mean clamped to this epoch's bound (a limit, or trimmed: see
 * attributes.ts) and every maximum to its limit: the bound on a peer that lies.
 */
export function clampBody(b: AggBody, bounds: readonly number[] = LIMITS): AggBody {
  return { ...b, avg: b.avg.map((x, i) => Math.min(x, bounds[i]!)), max: b.max.map((x, i) => Math.min(x, LIMITS[i]!)) };
}

function countOf(list: readonly CountInstance[], t: number): number {
  return list.find((i) => i.t === t)?.c ?? 0;
}

/** The COUNT_INSTANCES lowest tickets of some lists, with c from fn(ticket). */
function mergeCounts(lists: ReadonlyArray<readonly CountInstance[]>, fn: (t: number) => number): CountInstance[] {
  const tickets = [...new Set(lists.flatMap((l) => l.map((i) => i.t)))].sort((a, b) => a - b).slice(0, COUNT_INSTANCES);
  return tickets.map((t) => ({ t, c: Math.min(1, Math.max(0, fn(t))) }));
}

/** The receiver's side of an exchange: update s with the sender's body (same epoch, clamped). */
export function absorb(s: AggState, them: AggBody, sliceU: number): void {
  s.avg = s.avg.map((x, i) => (x + them.avg[i]!) / 2);
  s.max = s.max.map((x, i) => Math.max(x, them.max[i]!));
  const mine = s.count;
  s.count = mergeCounts([mine, them.count], (t) => (countOf(mine, t) + countOf(them.count, t)) / 2);
  absorbSlice(s, them, sliceU, (b) => b.map((x, i) => (x + them.slice.below[i]!) / 2));
}

/** The sender's side: move by half of (reply − what we sent), which conserves every mass. */
export function settle(s: AggState, sent: AggBody, reply: AggBody, sliceU: number): void {
  s.avg = s.avg.map((x, i) => x + (reply.avg[i]! - sent.avg[i]!) / 2);
  s.max = s.max.map((x, i) => Math.max(x, reply.max[i]!));
  const mine = s.count;
  s.count = mergeCounts([mine, reply.count], (t) => countOf(mine, t) + (countOf(reply.count, t) - countOf(sent.count, t)) / 2);
  if (sent.slice.t === s.slice.t) absorbSlice(s, reply, sliceU, (b) => b.map((x, i) => x + (reply.slice.below[i]! - sent.slice.below[i]!) / 2));
  else if (reply.slice.t < s.slice.t) absorbSlice(s, reply, sliceU, (b) => b);
}

/**
 * The slicing instance: a lower ticket wins and this peer joins it with its own indicators (one
 * way, so no mass moves); the same ticket averages with `mix`; a higher one changes nothing.
 */
function absorbSlice(s: AggState, them: AggBody, sliceU: number, mix: (below: number[]) => number[]): void {
  if (them.slice.t < s.slice.t) {
    s.slice = { t: them.slice.t, probes: [...them.slice.probes], below: indicators(sliceU, them.slice.probes) };
  } else if (them.slice.t === s.slice.t) {
    s.slice.below = mix(s.slice.below).map((x) => Math.min(1, Math.max(0, x)));
  }
}

/** A passive peer's side of an exchange: take the partner's state (clamped) as its own. */
export function adopt(s: AggState, them: AggBody): void {
  s.avg = [...them.avg];
  s.max = s.max.map((x, i) => Math.max(x, them.max[i]!));
  s.count = them.count.map((i) => ({ ...i }));
  s.slice = { t: them.slice.t, probes: [...them.slice.probes], below: [...them.slice.below] };
}

/** The size an epoch's state estimates: the median of its instances' 1/c, or null when none has mass. */
export function sizeOf(s: AggState): number | null {
  const est = s.count.filter((i) => i.c > 0).map((i) => 1 / i.c).sort((a, b) => a - b);
  if (est.length === 0) return null;
  return est[Math.floor((est.length - 1) / 2)]!;
}
