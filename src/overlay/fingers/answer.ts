// Answering other peers' finger searches ('find-finger'). The first peer of a finger interval with
// room for one more link that the search meets, on its way to the interval's middle (inPassing)
// or as the owner of the key it was routed to (handle), offers itself as the finger: it links to
// the searcher first and answers over that link (offer). A peer without room passes the search to
// its successor, when that one said in its last stabilize reply that it had room (the room hint),
// or else routes it on; the owner without room passes it along its successors, so the searcher
// gets a peer of the interval with room, or null when none is near.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { inIntervalHex, type PeerId } from '../../core/id.js';
import type { TimerHandle } from '../../env/ports.js';
import { FINGER_WALK_MAX } from '../constants.js';
import type { MuxView, RingContext } from '../context.js';
import type { LinkRoles } from '../roles.js';
import { FindFingerReq } from '../schemas.js';

/** What answering may touch: whether we have room is the mux's link budget (Mux.hasRoom). */
export type FingerAnswerContext = Pick<RingContext, 'self' | 'clock' | 'config' | 'stats' | 'state' | 'status' | 'reply' | 'relay'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'connect' | 'hasRoom'>;
  readonly roles: Pick<LinkRoles, 'admitOffered'>;
};

export class FingerAnswers {
  /**
   * Searchers we offered ourselves to and are linking to: their request, answered once linked,
   * and the timer that answers it anyway (cancelled when the link answers first).
   */
  private offers: Map<PeerId, { env: Envelope; timer: TimerHandle }> | null = null;
  /** Our successor when its last stabilize reply said it had room for a finger link, else null. */
  private roomAt: PeerId | null = null;

  constructor(private readonly ctx: FingerAnswerContext) {}

  // ---- the room hint -----------------------------------------------------------------------

  /** Do we have room for peer's finger link? Our stabilize replies tell our predecessor so. */
  roomFor(peer: PeerId): boolean {
    return this.ctx.mux.hasRoom(peer);
  }

  /** Our successor's stabilize reply said whether it had room. */
  heardRoom(succ: PeerId, room: boolean): void {
    this.roomAt = room ? succ : null;
  }

  /**
   * Our successor, if its last stabilize reply said it had room for a finger link, once: the hint
   * is spent by the first search we pass on to it (it may have no room left after that one), and
   * renewed by the next reply.
   */
  private successorRoom(): PeerId | null {
    const p = this.roomAt;
    this.roomAt = null;
    return p !== null && p === this.ctx.state.succs[0] ? p : null;
  }

  // ---- find-finger -------------------------------------------------------------------------

  /**
   * A 'find-finger' routed through us on its way to the middle of the interval: if we lie in the
   * interval and have room, we are the finger (true: handled here, not forwarded). Without room, we
   * pass it to our successor if that one said at our last stabilize round that it had room (one
   * frame, where routing on toward the middle passes one full peer after another: the peers on many
   * routes are the ones many others hold as fingers); else it routes on (false).
   */
  inPassing(env: Envelope): boolean {
    const req = check(FindFingerReq, env.body, 'find-finger');
    if (!req.ok) return false; // the owner counts it as a bad body
    if (env.src === this.ctx.self || !inIntervalHex(this.ctx.self, req.value.start, req.value.end, true, false)) return false;
    if (this.take(env)) return true;
    if (!this.walkTo(env, req.value, this.successorRoom())) return false;
    this.ctx.stats.fingerSearchesPassed++;
    return true;
  }

  /** A 'find-finger' routed to us, the owner of its key (handlers/find-finger.ts). */
  handle(env: Envelope): void {
    const ctx = this.ctx;
    const req = check(FindFingerReq, env.body, 'find-finger');
    if (!req.ok) return void ctx.stats.badBodies++;
    // The owner of the start of an empty interval lies past its end: there is no such finger.
    if (env.src === ctx.self || !inIntervalHex(ctx.self, req.value.start, req.value.end, true, false)) return void ctx.reply(env, { peer: null });
    if (this.take(env)) return;
    if (!this.walkTo(env, req.value, ctx.state.succs[0])) ctx.reply(env, { peer: null });
  }

  /** We lie in the interval: be the searcher's finger if we have room (true), else send nothing. */
  private take(env: Envelope): boolean {
    const src = env.src;
    if (this.ctx.mux.isLinked(src)) this.ctx.reply(env, { peer: this.ctx.self });
    else if (this.ctx.mux.hasRoom(src)) this.offer(env);
    else return false;
    return true;
  }

  /**
   * Pass the search one step along the interval to next (a successor of ours), counting the step:
   * at most FINGER_WALK_MAX of them, never to the searcher, never past the interval's end.
   */
  private walkTo(env: Envelope, req: FindFingerReq, next: PeerId | null | undefined): boolean {
    if (next === null || next === undefined || req.walk >= FINGER_WALK_MAX || next === env.src) return false;
    if (!inIntervalHex(next, req.start, req.end, true, false)) return false;
    return this.ctx.relay(env, next, { ...req, walk: req.walk + 1 });
  }

  // ---- offers ------------------------------------------------------------------------------

  /**
   * A searcher's 'find-finger' reached us and we have room: link to it and answer over the new
   * link, one hop, instead of routing the answer back along the search's path (routed answers
   * would be a third of all frames). The searcher would link to us next anyway, so the link comes
   * first. If the link does not come up in time the answer is routed.
   */
  private offer(env: Envelope): void {
    const ctx = this.ctx;
    const src = env.src;
    if (ctx.mux.isLinked(src) || this.offers?.has(src) || !ctx.mux.connect(src)) return void ctx.reply(env, { peer: ctx.self });
    const timer = ctx.clock.setTimer(ctx.config.requestTimeoutMs / 2, () => this.answerOffer(src, env));
    (this.offers ??= new Map()).set(src, { env, timer });
    ctx.stats.fingerOffers++;
  }

  /** A link came up or went down: answer the offer made to that peer, if any. */
  offerLink(p: PeerId): void {
    const offer = this.offers?.get(p);
    if (offer !== undefined) this.answerOffer(p, offer.env);
  }

  private answerOffer(p: PeerId, env: Envelope): void {
    const ctx = this.ctx;
    const offers = this.offers;
    const offer = offers?.get(p);
    if (offer === undefined || offer.env !== env) return;
    ctx.clock.cancel(offer.timer);
    offers!.delete(p);
    if (offers!.size === 0) this.offers = null;
    // Linked: one hop, and the link already counts as the searcher's finger here. Not (yet):
    // routed, and the searcher links to us itself and declares the finger role in 'use'.
    if (ctx.status === 'stopped') return;
    if (ctx.mux.isLinked(p) && this.ctx.roles.admitOffered(p)) {
      ctx.stats.fingerOffersLinked++;
      ctx.reply(env, { peer: ctx.self, taken: true });
    } else ctx.reply(env, { peer: ctx.self });
  }
}
