// Every change to the successor list or the predecessor goes through here, so that events are
// emitted, link roles follow and the stabilize pace hears of changes near us; and here the ring
// notices that it is in its place ('joined').
import { distance, type PeerId } from '../core/id.js';
import { LINKED_SUCCESSORS } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import type { LinkRoles } from './roles.js';
import type { Stabilizer } from './stabilize.js';

export type NeighboursContext = Pick<RingContext, 'self' | 'clock' | 'events' | 'state' | 'refused' | 'status'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'connect'>;
  readonly stabilizer: Pick<Stabilizer, 'busy' | 'takeStandIn' | 'predChanged'>;
  readonly roles: Pick<LinkRoles, 'update'>;
};

export class Neighbours {
  constructor(private readonly ctx: NeighboursContext) {}

  /** Our successor has named us its predecessor (in a stabilize reply) at least once. */
  private succConfirmed = false;
  /** 'joined' has been emitted: we have been in our place. */
  private joinedEmitted = false;

  /** Has this peer been in its place on the ring yet ('joined' emitted)? */
  get inPlace(): boolean {
    return this.joinedEmitted;
  }

  applySuccessors(list: PeerId[]): void {
    const ctx = this.ctx;
    const s = ctx.state;
    const before = s.succs.slice(0, LINKED_SUCCESSORS);
    if (!s.setSuccessors(list)) return;
    ctx.events.emit('successors-changed', { successors: [...s.succs] });
    // Only the first successors are kept linked: the rest are ids to fall back on, linked when
    // they move up, which leaves room in the link budget for fingers.
    const linked = s.succs.slice(0, LINKED_SUCCESSORS);
    // Stabilize at the base pace until things settle, when the change is near us: our linked
    // successors. A change farther down the list (a peer joined or left a few places on) is
    // passed on to our predecessor at our next round whatever its pace, and speeding up for it
    // cost a quarter of all stabilize frames while a large ring grows (20,000 peers: 23 rounds a
    // peer against 31, joinStabilizeMs no slower, convergence within 0.2 s).
    const near = linked.length !== before.length || linked.some((p, i) => p !== before[i]);
    if (near) ctx.stabilizer.busy();
    const now = ctx.clock.now();
    for (const p of linked) {
      if (ctx.mux.isLinked(p)) ctx.roles.update(p);
      else if (p === s.succs[0] || !ctx.refused.has(p, now)) ctx.mux.connect(p);
    }
    for (const p of before) if (!linked.includes(p)) ctx.roles.update(p);
  }

  /** `failed` says why a predecessor dropped without a replacement went: it failed, or it left. */
  applyPred(p: PeerId | null, failed = true): void {
    const ctx = this.ctx;
    const dropped = p === null ? ctx.state.pred : null;
    // Our predecessor failed or left without one to name: a peer that notified us meanwhile takes its place.
    if (p === null) p = ctx.stabilizer.takeStandIn();
    const old = ctx.state.setPred(p);
    if (old === undefined) return;
    if (dropped !== null) ctx.events.emit('peer-gone', { peer: dropped, failed });
    ctx.stabilizer.predChanged();
    if (p !== null) ctx.roles.update(p);
    ctx.events.emit('predecessor-changed', { from: old, to: p });
    if (p !== null) {
      ctx.events.emit('range-changed', { from: old === null ? null : { start: old, end: ctx.self }, to: { start: p, end: ctx.self } });
      this.checkJoined();
    }
    if (old !== null) ctx.roles.update(old);
  }

  /** Forget a peer that failed (or closed our link), emitting the events that follow. */
  forget(peer: PeerId, failed = true): void {
    const s = this.ctx.state;
    s.contacts.delete(peer);
    const wasPred = s.pred === peer;
    if (wasPred) this.applyPred(null, failed);
    if (!s.succs.includes(peer)) return;
    const rest = s.succs.filter((p) => p !== peer);
    if (rest.length > 0) this.applySuccessors(rest);
    else this.fallbackSuccessor(peer);
    if (!wasPred) this.ctx.events.emit('peer-gone', { peer, failed });
  }

  /** With every successor gone, the closest linked member clockwise stands in until stabilize repairs. */
  private fallbackSuccessor(gone: PeerId): void {
    const s = this.ctx.state;
    let best: PeerId | null = null;
    let bestD = 0n;
    for (const [p, id] of s.contacts) {
      const d = distance(s.selfId, id);
      if (p !== gone && (best === null || d < bestD)) {
        best = p;
        bestD = d;
      }
    }
    this.applySuccessors(best === null ? [] : [best]);
  }

  /** Our successor answered a stabilize naming us its predecessor. */
  successorConfirmed(): void {
    if (this.succConfirmed) return;
    this.succConfirmed = true;
    this.checkJoined();
  }

  /** In place once we have a predecessor and our successor has confirmed us (or we are alone). */
  checkJoined(): void {
    const ctx = this.ctx;
    if (this.joinedEmitted || ctx.status !== 'joined') return;
    const alone = ctx.state.succs.length === 0;
    // An attached peer (attach.ts) has no place of its own: it is in place once it knows members to reach the ring through.
    if (ctx.state.attached) {
      if (alone) return;
    } else if (!alone && (ctx.state.pred === null || !this.succConfirmed)) return;
    this.joinedEmitted = true;
    ctx.events.emit('joined', { atMs: ctx.clock.now() });
  }
}
