// An attached peer stands beside the ring rather than on it (ChordRingOptions.attached): it joins
// through a member like any joiner, but never takes its place. It keeps links to the first
// LINKED_SUCCESSORS members after its id (the members that own its id, and so the end of every
// route toward it) and declares them `attached` (schemas.ts, UseRole): those members keep the
// links, deliver what is addressed to the attached peer over them, and never route through it.
// Nobody lists it as a successor, predecessor or finger, so it owns no key: whatever is stored by
// key (file records, chunks, coordination state) lands on members. It routes its own requests
// greedily over its links, one hop more than a member would take.
//
// This is what the rendezvous server's own peer is by default (server/own-peer.ts): it signals,
// routes and gateways, and holds no data the community does not hold.
//
// Under churn, a peer that joins between the attached peer's id and its successor takes over that
// id: routes toward the attached peer end at the newcomer, which has no link to it, until the next
// refresh (every ATTACH_REFRESH_PERIODS, and at once when a linked successor fails) looks the id up
// again and links to the new owner. Requests lost in between time out and are retried as any
// request lost to churn is.
import { check } from '../core/codec.js';
import type { PeerId } from '../core/id.js';
import { ATTACH_REFRESH_PERIODS, CHORD_SVC } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import { FindSuccRep } from './schemas.js';
import type { Neighbours } from './neighbours.js';

export type AttachmentContext = Pick<RingContext, 'self' | 'state' | 'status' | 'config' | 'call'> & {
  readonly mux: Pick<MuxView, 'isLinked'>;
  readonly neighbours: Pick<Neighbours, 'applySuccessors' | 'checkJoined'>;
};

export class Attachment {
  private ticks = 0;
  private inFlight = false;
  /** The last successor list a lookup gave: fallbacks when every linked successor is gone. */
  private known: PeerId[] = [];

  constructor(private readonly ctx: AttachmentContext) {}

  /** The join's answer: the members after our id. */
  attached(owner: PeerId, succs: readonly PeerId[]): void {
    this.take([owner, ...succs]);
  }

  /** One stabilize period: look our id up again now and then, or at once when our successor is not linked. */
  tick(): void {
    const s = this.ctx.state;
    const first = s.succs[0];
    if (first === undefined) {
      // Every successor failed: fall back on the members the last lookup named, nearest first
      // (a fallback that cannot be reached goes down and is dropped by lost()).
      if (this.known.length > 0) this.ctx.neighbours.applySuccessors(this.known);
      return;
    }
    if (++this.ticks % ATTACH_REFRESH_PERIODS === 0 || !this.ctx.mux.isLinked(first)) this.refresh();
  }

  /**
   * Look our own id up: its owner and the members after it are where routes toward us end. A
   * lookup of our own would be answered to our id, and so lost at an owner with no link to us:
   * the very case to mend. A linked member looks it up for us instead, as a bootstrap does for a
   * joiner ('join'), and answers over our link.
   */
  refresh(): void {
    const ctx = this.ctx;
    const via = ctx.state.succs.find((p) => ctx.mux.isLinked(p));
    if (this.inFlight || ctx.status !== 'joined' || via === undefined) return;
    this.inFlight = true;
    ctx.call({ peer: via }, CHORD_SVC, 'join', {}, { timeoutMs: 2 * ctx.config.requestTimeoutMs }, (e, env) => {
      this.inFlight = false;
      const rep = e === null ? check(FindSuccRep, env!.body, 'join reply') : null;
      if (rep?.ok !== true || ctx.status !== 'joined') return;
      this.take([rep.value.owner, ...rep.value.succs]);
    });
  }

  /** Members to fall back on when every one we knew is gone (the host knows others: the server's hub). */
  offer(peers: readonly PeerId[]): void {
    if (this.ctx.state.succs.length > 0) return;
    this.known = peers.filter((p) => p !== this.ctx.self).slice(0, this.ctx.config.successorListSize);
  }

  /** A peer we relied on is gone: drop it from the fallbacks and look our place up again. */
  lost(peer: PeerId): void {
    this.known = this.known.filter((p) => p !== peer);
    this.refresh();
  }

  private take(list: PeerId[]): void {
    const self = this.ctx.self;
    this.known = list.filter((p) => p !== self).slice(0, this.ctx.config.successorListSize);
    this.ctx.neighbours.applySuccessors(this.known);
    this.ctx.neighbours.checkJoined();
  }
}
