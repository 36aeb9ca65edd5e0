// A slice's ring as one member builds it (T-Man, Jelasity and Babaoglu 2005): each member keeps a
// small view of other members with ages, ranked by ring distance from itself, and every
// RING_PERIOD_MS exchanges its view with its nearest successor or predecessor (in turn); both keep
// the RING_SIDE nearest on each side of what they hold and hear. The keeper seeds a member with a
// few random members when it joins and at every probe, so the members find their neighbours among
// themselves and the ring closes in a few periods. Only a member makes an age-0 entry of itself;
// every entry grows a period older each period and one older at every hop (without the hop, two
// members whose periods interleave could hand a dead member's entry back and forth at the same age
// for ever), so the entry of a member that crashed ages out (MAX_RING_AGE). A member whose
// exchange failed is refused for as long, so its neighbours close the gap at once. Pure data, no
// I/O: SliceService sends.
import type { PeerId } from '../../core/id.js';
import { MAX_RING_AGE, RING_SIDE } from './constants.js';

export interface RingEntry {
  p: PeerId;
  /** Periods since the member it names last made it. */
  a: number;
}

/**
 * Clockwise order from `self`: ids above it first, then ids below it (which come after the wrap),
 * each group by id. Lower-case hex sorts like the ring positions it encodes.
 */
function clockwise(self: PeerId, x: PeerId, y: PeerId): number {
  const xa = x > self;
  const ya = y > self;
  if (xa !== ya) return xa ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

export class SliceRing {
  private entries: RingEntry[] = [];
  /** Which side the next exchange goes to: the nearest successor, then the nearest predecessor. */
  private towardsSucc = true;
  /** Members whose exchange failed, with the periods since: not taken back until MAX_RING_AGE. */
  private readonly failed = new Map<PeerId, number>();

  constructor(readonly self: PeerId) {}

  /** The members it holds, nearest successors first, then nearest predecessors. */
  list(): readonly RingEntry[] {
    return this.entries;
  }

  /** This member's successor on the slice's ring (itself while it knows no other member). */
  succ(): PeerId {
    return this.side(true)[0]?.p ?? this.self;
  }

  /** This member's predecessor on the slice's ring (itself while it knows no other member). */
  pred(): PeerId {
    return this.side(false)[0]?.p ?? this.self;
  }

  /** One period passed; entries past MAX_RING_AGE are dropped (nobody renewed them). */
  age(): void {
    for (const e of this.entries) e.a++;
    this.entries = this.entries.filter((e) => e.a <= MAX_RING_AGE);
    for (const [p, n] of this.failed) {
      if (n >= MAX_RING_AGE) this.failed.delete(p);
      else this.failed.set(p, n + 1);
    }
  }

  /** The partner of the next exchange: the nearest successor and the nearest predecessor in turn. */
  partner(): PeerId | undefined {
    this.towardsSucc = !this.towardsSucc;
    const p = this.towardsSucc ? this.succ() : this.pred();
    return p === this.self ? undefined : p;
  }

  /** The nearest member on the side the last partner was on (after that partner was dropped). */
  sameSide(): PeerId | undefined {
    const p = this.towardsSucc ? this.succ() : this.pred();
    return p === this.self ? undefined : p;
  }

  /** What an exchange sends: this member (age 0) and its view. */
  outgoing(): RingEntry[] {
    return [{ p: this.self, a: 0 }, ...this.entries.map((e) => ({ p: e.p, a: e.a }))];
  }

  /** A partner that did not answer, or said it is not a member: out of the view, and refused for a while. */
  drop(peer: PeerId): void {
    this.entries = this.entries.filter((e) => e.p !== peer);
    // Bounded: a view holds 2 × RING_SIDE members, and each is tried at most once a period.
    if (this.failed.size < 4 * RING_SIDE * MAX_RING_AGE) this.failed.set(peer, 0);
  }

  /**
   * Merge what a partner or the keeper sent (each entry a hop older): keep the younger of two
   * entries, then the nearest on each side.
   */
  merge(received: readonly RingEntry[]): void {
    const byPeer = new Map<PeerId, RingEntry>();
    for (const e of this.entries) byPeer.set(e.p, e);
    for (const r of received) {
      const a = r.a + 1;
      if (r.p === this.self || a > MAX_RING_AGE || this.failed.has(r.p)) continue;
      const held = byPeer.get(r.p);
      if (!held || a < held.a) byPeer.set(r.p, { p: r.p, a });
    }
    this.entries = [...byPeer.values()];
    const succs = this.side(true).slice(0, RING_SIDE);
    const preds = this.side(false).filter((e) => !succs.includes(e)).slice(0, RING_SIDE);
    this.entries = [...succs, ...preds];
  }

  /** Entries nearest first going clockwise (successors) or counter-clockwise (predecessors). */
  private side(clockwiseSide: boolean): RingEntry[] {
    const sign = clockwiseSide ? 1 : -1;
    return [...this.entries].sort((x, y) => sign * clockwise(this.self, x.p, y.p));
  }
}
