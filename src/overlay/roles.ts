// Why each link is open. A link exists because a peer needs it: as successor, predecessor, finger
// or to join. Each side tells the other in 'use' which roles it gives the link, so that a peer
// knows which of its links others rely on and values them when its budget is tight, turns down
// finger roles it has no room for, and closes a link once no ring on either side needs it. This
// is what keeps links per peer under the cap without peers evicting each other's fingers in turn.
import type { PeerId } from '../core/id.js';
import { CHORD_SVC, JOINER_HOLD_MS, LINK_GRACE_MS, LINKED_SUCCESSORS, MAX_HELD_JOINERS } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import type { Fingers } from './fingers/index.js';
import type { Join } from './join.js';
import type { Maintenance } from './maintenance.js';
import { LinkValue } from './mux.js';
import { UseRole, type UseMsg } from './schemas.js';

export type LinkRolesContext = Pick<RingContext, 'clock' | 'state' | 'sendLinked'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'isIdle' | 'linkAgeMs' | 'disconnect' | 'setReleasing' | 'hasRoom'>;
  /** The bootstrap of a join in progress: its link is protected. */
  readonly join: Pick<Join, 'bootstrap'>;
  readonly fingers: Pick<Fingers, 'heldBy' | 'optional'>;
  /** Where a finger refusal goes. */
  readonly maintenance: Pick<Maintenance, 'fingerRefused'>;
};

export class LinkRoles {
  /** Roles we last declared to each linked peer. */
  private readonly declared = new Map<PeerId, number>();
  /** Roles each linked peer declared to us. */
  private readonly remote = new Map<PeerId, number>();
  /** When we last asked each idle peer to close our link. */
  private releasedAtMs: Map<PeerId, number> | null = null;
  /** A peer that refused our finger and asked us to close the link, while we handle that. */
  private closing: PeerId | null = null;
  /** Peers that asked us to look their place up (a join), and when: see holdForJoiner. */
  private joiners: Map<PeerId, number> | null = null;

  constructor(private readonly ctx: LinkRolesContext) {}

  /** The roles we give our link to p right now. */
  local(p: PeerId): number {
    const s = this.ctx.state;
    let roles = 0;
    const i = s.succs.indexOf(p);
    if (i >= 0 && i < LINKED_SUCCESSORS) roles |= s.attached ? UseRole.attached : UseRole.successor;
    if (this.ctx.fingers.heldBy(p) >= 0) roles |= UseRole.finger;
    return roles;
  }

  /** How much this ring needs the link to p, for the mux's budget. */
  value(p: PeerId): number {
    const v = this.roleValue(p);
    return v < LinkValue.successor && this.joiners !== null && this.holds(p) ? LinkValue.successor : v;
  }

  /**
   * p joins through us: keep our link to it, and keep sending on it, until p declares its roles
   * (a joiner releases its bootstrap once its successor is linked) or JOINER_HOLD_MS pass. Until
   * its successor is linked, this link is how answers to p's offers reach it: p names us as its
   * relay, and a relay that dropped the link would route the answer toward p's id, to a peer
   * with no link to p yet, which drops it. The link is worth a successor's to us meanwhile, but
   * is no route: p is not in its place.
   */
  holdForJoiner(p: PeerId): void {
    if (!this.ctx.mux.isLinked(p)) return;
    const held = (this.joiners ??= new Map());
    held.delete(p);
    held.set(p, this.ctx.clock.now());
    if (held.size > MAX_HELD_JOINERS) held.delete(held.keys().next().value as PeerId);
    // Asked to close already (a sweep raced the join): use the link again.
    this.ctx.mux.setReleasing(p, false);
  }

  private holds(p: PeerId): boolean {
    const since = this.joiners?.get(p);
    if (since === undefined) return false;
    if (this.ctx.clock.now() - since < JOINER_HOLD_MS) return true;
    this.endHold(p);
    return false;
  }

  private endHold(p: PeerId): void {
    if (this.joiners?.delete(p) === true && this.joiners.size === 0) this.joiners = null;
  }

  /** What the roles either side gives the link to p make it worth. */
  private roleValue(p: PeerId): number {
    const s = this.ctx.state;
    if (p === s.pred || p === s.succs[0] || p === this.ctx.join.bootstrap) return LinkValue.protected;
    const mine = this.local(p);
    const theirs = this.remote.get(p) ?? 0;
    if ((mine | theirs) & (UseRole.successor | UseRole.attached)) return LinkValue.successor;
    if (mine & UseRole.finger) return this.ctx.fingers.optional(this.ctx.fingers.heldBy(p)) ? LinkValue.spare : LinkValue.finger;
    return theirs & UseRole.finger ? LinkValue.remoteFinger : LinkValue.none;
  }

  /**
   * p is attached to us and nothing more: we keep the link (its replies arrive over it) but never
   * route through it, since it owns no keys and would hand a key back to us.
   */
  private attachedOnly(p: PeerId): boolean {
    return this.remote.get(p) === UseRole.attached && this.local(p) === 0 && p !== this.ctx.state.pred;
  }

  /** The roles p gives our link (0 when none). */
  remoteRoles(p: PeerId): number {
    return this.remote.get(p) ?? 0;
  }

  /** Does p rely on our link (it declared a role)? */
  usedBy(p: PeerId): boolean {
    return this.remote.has(p);
  }

  /** Tell p our roles if they changed; close the link once neither side needs it. */
  update(p: PeerId): void {
    const mux = this.ctx.mux;
    if (!mux.isLinked(p)) return void this.declared.delete(p);
    const roles = this.local(p);
    const had = this.declared.get(p) ?? 0;
    const changed = had !== roles;
    if (changed) this.declare(p, roles);
    if (roles !== 0) {
      // Routable again first: a link we had asked p to release is ours to use again, and the
      // 'use' must go out on it (a declaration that was not sent would never be sent again).
      this.refreshContact(p);
      if (changed && !this.ctx.sendLinked(p, CHORD_SVC, 'use', { roles })) this.declare(p, had);
      return;
    }
    this.refreshContact(p);
    // A release declares roles 0 too: one frame instead of two when the link is released at once.
    if (!this.release(p) && changed) this.ctx.sendLinked(p, CHORD_SVC, 'use', { roles });
  }

  /**
   * Route over a link only while one side gives it a role. A link without one is about to be
   * released, and a frame sent on it could meet a closed end.
   */
  private refreshContact(p: PeerId): void {
    const s = this.ctx.state;
    if (this.ctx.mux.isLinked(p) && this.roleValue(p) > LinkValue.none && !this.attachedOnly(p)) {
      s.contacts.set(p, s.id(p));
      this.ctx.mux.setReleasing(p, false);
    } else s.contacts.delete(p);
  }

  /**
   * Ask p to close a link that no ring of ours needs any more. We stop routing over it first; p
   * closes it, if it does not need it either, once every frame we sent before has reached it.
   * Without `roleEnded` (a periodic sweep) a fresh link is left alone for its grace period: it
   * may be a joiner's, whose first role comes only once it has joined. True when it asked.
   */
  release(p: PeerId, roleEnded = true, extra?: { refuse: true; alt?: PeerId }): boolean {
    const ctx = this.ctx;
    if (!ctx.mux.isIdle(p) || (!roleEnded && ctx.mux.linkAgeMs(p) < LINK_GRACE_MS)) return false;
    // p itself asked to close (its refusal came with a release): no need to ask back.
    if (p === this.closing) {
      ctx.mux.disconnect(p);
      return true;
    }
    // Until our successor is linked, a link without a role is still how our signaling reaches the
    // ring (a joiner's bootstrap: services/signal relays offers through it). The sweep retries.
    const succ = ctx.state.succs[0];
    if (succ !== undefined && succ !== p && !ctx.mux.isLinked(succ)) return false;
    const now = ctx.clock.now();
    if ((this.releasedAtMs?.get(p) ?? -Infinity) > now - LINK_GRACE_MS) return false;
    (this.releasedAtMs ??= new Map()).set(p, now);
    ctx.state.contacts.delete(p);
    ctx.mux.setReleasing(p, false);
    ctx.sendLinked(p, CHORD_SVC, 'use', extra === undefined ? { roles: 0, release: true } : { roles: 0, release: true, ...extra });
    ctx.mux.setReleasing(p, true);
    return true;
  }

  linkUp(p: PeerId): void {
    const roles = this.local(p);
    this.refreshContact(p);
    if (roles === 0) return;
    this.declare(p, roles);
    this.ctx.sendLinked(p, CHORD_SVC, 'use', { roles });
  }

  linkDown(p: PeerId): void {
    this.endHold(p);
    this.declared.delete(p);
    this.remote.delete(p);
    this.releasedAtMs?.delete(p);
  }

  /** p declared its roles for our link, or turned down ours. */
  received(p: PeerId, msg: UseMsg): void {
    const ctx = this.ctx;
    if (!ctx.mux.isLinked(p)) return;
    // A joiner that declares its roles (or releases us) no longer needs us as its way in.
    this.endHold(p);
    let roles = msg.roles;
    const had = this.remote.get(p) ?? 0;
    // A new finger role costs a link slot unless we need the link anyway.
    const refuse = (roles & UseRole.finger) !== 0 && !(had & UseRole.finger) && !this.admitFinger(p, roles);
    if (refuse) roles &= ~UseRole.finger;
    if (roles === 0) this.remote.delete(p);
    else this.remote.set(p, roles);
    this.refreshContact(p);
    if (refuse) {
      // Our successor is the next peer of p's finger interval, if the interval reaches that far:
      // p tries it directly instead of searching the interval again. A refusal that leaves the
      // link without a role asks p to close it in the same frame.
      const alt = ctx.state.succs[0];
      const body = alt === undefined || alt === p ? { refuse: true as const } : { refuse: true as const, alt };
      if (roles !== 0 || !this.release(p, true, body)) ctx.sendLinked(p, CHORD_SVC, 'use', { roles: this.local(p), ...body });
    }
    if (msg.refuse) {
      // When p asked us to close as well, the link goes as soon as our finger role has ended.
      this.closing = msg.release === true ? p : null;
      this.ctx.maintenance.fingerRefused(p, msg.alt ?? null);
      this.closing = null;
      if (msg.release && ctx.mux.isIdle(p)) ctx.mux.disconnect(p);
    } else if (msg.release) {
      if (ctx.mux.isIdle(p)) ctx.mux.disconnect(p);
    } else if (roles === 0 && !refuse) this.release(p);
  }

  /**
   * We linked to p to offer ourselves as its finger (FingerAnswers.offer) and tell it so: count the
   * link as p's finger from now on, as if p had declared it. False when we have no room left.
   */
  admitOffered(p: PeerId): boolean {
    const had = this.remote.get(p) ?? 0;
    if (!(had & UseRole.finger) && !this.admitFinger(p, had | UseRole.finger)) return false;
    this.remote.set(p, had | UseRole.finger);
    this.refreshContact(p);
    return true;
  }

  /** p counts our link as our finger already (it offered itself and said so): nothing to declare. */
  assumeDeclared(p: PeerId): void {
    this.declare(p, (this.declared.get(p) ?? 0) | UseRole.finger);
  }

  private admitFinger(p: PeerId, roles: number): boolean {
    if (roles & UseRole.successor || this.local(p) !== 0 || p === this.ctx.state.pred) return true;
    return this.ctx.mux.hasRoom(p);
  }

  private declare(p: PeerId, roles: number): void {
    if (roles === 0) this.declared.delete(p);
    else this.declared.set(p, roles);
  }
}
