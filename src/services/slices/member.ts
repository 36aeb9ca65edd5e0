// A peer's own side of slices: which slice it belongs to (at most one, which is what keeps slices
// disjoint) and its view of that slice's ring, which the members build among themselves (ring.ts).
// Membership is a lease the keeper renews with every probe; a member that hears nothing for
// MEMBER_LEASE_MS leaves on its own, so a peer the keeper gave up on is free for another slice
// soon after.
import type { PeerId } from '../../core/id.js';
import type { Clock } from '../../env/ports.js';
import type { Estimates } from '../../gossip/aggregation.js';
import type { AttributeName } from '../../gossip/attributes.js';
import { MAX_SHARED_PEERS, MEMBER_LEASE_MS } from './constants.js';
import type { MemberBody, MemberReply, RingBody, RingReply } from './messages.js';
import { SliceRing } from './ring.js';

export interface Membership {
  name: string;
  keeper: PeerId;
  pred: PeerId;
  succ: PeerId;
  renewedMs: number;
}

/** The lowest decile a peer may be in to belong to the top fraction `top`: 0.2 → decile 8 or 9. */
export function minDecile(top: number): number {
  return Math.max(0, 10 - Math.ceil(top * 10 - 1e-9));
}

interface Current {
  name: string;
  keeper: PeerId;
  renewedMs: number;
  ring: SliceRing;
}

export class SliceMember {
  private current: Current | null = null;

  constructor(
    private readonly self: PeerId,
    private readonly clock: Clock,
    private readonly sliceBy: AttributeName,
    private readonly estimates: () => Estimates | null,
    /** A few peers of this peer's gossip sample, shared with the keeper in every answer. */
    private readonly sample: () => PeerId[],
  ) {}

  /** This peer's slice now, with its neighbours on the slice's ring, or null (a lapsed lease counts as none). */
  membership(): Membership | null {
    const c = this.live();
    return c && { name: c.name, keeper: c.keeper, pred: c.ring.pred(), succ: c.ring.succ(), renewedMs: c.renewedMs };
  }

  /** The ring view of this peer's slice, or null. */
  ring(): { name: string; ring: SliceRing } | null {
    return this.live();
  }

  private live(): Current | null {
    if (this.current && this.clock.now() - this.current.renewedMs > MEMBER_LEASE_MS) this.current = null;
    return this.current;
  }

  /** A keeper's join or probe: join (if free and selected) or renew; refuse otherwise. */
  onMember(keeper: PeerId, m: MemberBody): MemberReply {
    const refusal = this.refusal(m);
    const peers = this.sample().slice(0, MAX_SHARED_PEERS);
    if (refusal) return { ok: false, reason: refusal, peers };
    const ring = this.current?.name === m.name ? this.current.ring : new SliceRing(this.self);
    // The keeper saw the seeds alive at its last pass: they enter as if a hop old, never as fresh
    // as an entry a member makes of itself.
    ring.merge(m.seeds.map((p) => ({ p, a: 0 })));
    this.current = { name: m.name, keeper, renewedMs: this.clock.now(), ring };
    return { ok: true, peers, succ: ring.succ() };
  }

  /** A partner's ring exchange: answer with our view (before the merge), then merge theirs. */
  onRing(b: RingBody): RingReply {
    const c = this.live();
    if (c?.name !== b.name) return { ok: false, entries: [] };
    const entries = c.ring.outgoing();
    c.ring.merge(b.entries);
    return { ok: true, entries };
  }

  private refusal(m: MemberBody): MemberReply['reason'] {
    const now = this.membership();
    if (now && now.name !== m.name) return 'busy';
    if (!now && !m.join) return 'not-member';
    if (now || m.top >= 1) return undefined;
    // A selection is judged by this peer's decile, which gossip knows only for its own attribute.
    const e = this.estimates();
    if (!e || m.by !== this.sliceBy) return 'unranked';
    return e.decile < minDecile(m.top) ? 'below' : undefined;
  }

  /** The keeper released us (a shrink or a removal). */
  leave(name: string): void {
    if (this.current?.name === name) this.current = null;
  }
}
