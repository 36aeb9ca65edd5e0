// A peer's own side of slices: which slice it belongs to (at most one, which is what keeps slices
// disjoint) and its neighbours on that slice's ring. Membership is a lease the keeper renews with
// every probe; a member that hears nothing for MEMBER_LEASE_MS leaves on its own, so a peer the
// keeper gave up on is free for another slice soon after.
import type { PeerId } from '../../core/id.js';
import type { Clock } from '../../env/ports.js';
import type { Estimates } from '../../gossip/aggregation.js';
import type { AttributeName } from '../../gossip/attributes.js';
import { MAX_SHARED_PEERS, MEMBER_LEASE_MS } from './constants.js';
import type { MemberBody, MemberReply } from './messages.js';

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

export class SliceMember {
  private current: Membership | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly sliceBy: AttributeName,
    private readonly estimates: () => Estimates | null,
    /** A few peers of this peer's gossip sample, shared with the keeper in every answer. */
    private readonly sample: () => PeerId[],
  ) {}

  /** This peer's slice now, or null (a lapsed lease counts as none). */
  membership(): Membership | null {
    if (this.current && this.clock.now() - this.current.renewedMs > MEMBER_LEASE_MS) this.current = null;
    return this.current;
  }

  /** A keeper's join or probe: join (if free and selected) or renew; refuse otherwise. */
  onMember(keeper: PeerId, m: MemberBody): MemberReply {
    const refusal = this.refusal(m);
    const peers = this.sample().slice(0, MAX_SHARED_PEERS);
    if (refusal) return { ok: false, reason: refusal, peers };
    this.current = { name: m.name, keeper, pred: m.pred, succ: m.succ, renewedMs: this.clock.now() };
    return { ok: true, peers };
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
