// Stabilize and notify, and predecessor checks: how a peer keeps its successor list and its
// predecessor right. Every change goes through Neighbours.applySuccessors/applyPred, so that
// events are emitted and link roles follow.
//
// Adaptive pace: a round that changes nothing doubles the pause before the next one, from one
// base period up to stabilizeMaxIntervalMs; any change near us (busy()) brings it back to one
// period at once. Each stabilize names the pause its sender will take next, and its successor
// waits that long (and PRED_SILENCE_PERIODS - 1 periods more) before it pings a silent predecessor.
import { check } from '../core/codec.js';
import { inInterval, type PeerId } from '../core/id.js';
import { CHORD_SVC, LOST_PEER_DOUBT_PERIODS, MAX_CHAINED_STABILIZE, PRED_SILENCE_PERIODS } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import type { FingerAnswers } from './fingers/index.js';
import type { LostPeers } from './lost.js';
import type { Neighbours } from './neighbours.js';
import type { Relocator } from './relocate.js';
import { MAX_STABILIZE_EVERY, StabilizeRep, type StabilizeReq } from './schemas.js';

export type StabilizerContext = Pick<RingContext, 'self' | 'config' | 'clock' | 'stats' | 'state' | 'status' | 'call' | 'send'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'isConnecting' | 'connect'>;
  readonly neighbours: Pick<Neighbours, 'applySuccessors' | 'applyPred' | 'forget' | 'successorConfirmed'>;
  readonly lost: Pick<LostPeers, 'failedWithin' | 'remember'>;
  readonly relocator: Pick<Relocator, 'stepped' | 'confirmed' | 'relocate'>;
  /** Where our successor's room hint goes (see fingers/answer.ts). */
  readonly fingerAnswers: Pick<FingerAnswers, 'heardRoom'>;
};

export class Stabilizer {
  private stabilizing = false;
  private again = false;
  private predHeardAtMs = 0;
  /** Base periods our predecessor said it waits between its rounds. */
  private predEvery = 1;
  /** Base periods between our rounds now: 1 after a change, doubled by each round that changed nothing. */
  private every = 1;
  /** Base periods left until our next round. */
  private wait = 0;
  /** Counts busy() calls, so that a round knows whether anything changed while it was out. */
  private changes = 0;
  private readonly maxEvery: number;
  private pinging = false;
  /** The successor list our successor last sent, and its version (see StabilizeReq). */
  private heard: { from: PeerId; v: number; succs: PeerId[] } | null = null;
  /**
   * The closest peer whose notify we turned down (our predecessor lay between it and us) and when:
   * if our predecessor turns out dead, it takes its place at once instead of at its next round.
   */
  private standIn: { p: PeerId; atMs: number } | null = null;

  constructor(private readonly ctx: StabilizerContext) {
    const c = ctx.config;
    this.maxEvery = Math.max(1, Math.min(MAX_STABILIZE_EVERY, Math.floor(c.stabilizeMaxIntervalMs / c.stabilizeIntervalMs)));
  }

  /** The predecessor changed: its silence is counted from now, at the base pace. */
  predChanged(): void {
    this.predHeardAtMs = this.ctx.clock.now();
    this.predEvery = 1;
    this.busy();
  }

  /** Once per base period: a round when our pause is over. */
  tick(): void {
    if (--this.wait > 0) return;
    this.wait = this.every;
    this.stabilize(0);
  }

  /** Something changed near us: back to one round per base period, starting at the next tick. */
  busy(): void {
    this.changes++;
    this.every = 1;
    if (this.wait > 1) this.wait = 1;
  }

  /** The pause we take after the round now going out, at most: what our successor should expect. */
  private nextPause(): number {
    return Math.min(this.every * 2, this.maxEvery);
  }

  /** Ask the successor for its predecessor and successor list, telling it we precede it. */
  stabilize(chain: number): void {
    const ctx = this.ctx;
    if (ctx.status !== 'joined') return;
    if (this.stabilizing) {
      // Something changed while a round is in flight: run one more right after it.
      this.again = true;
      return;
    }
    let succ = ctx.state.succs[0];
    if (succ === undefined) {
      const p = ctx.state.pred;
      if (p === null || !ctx.mux.isLinked(p)) return;
      this.ctx.neighbours.applySuccessors([p]);
      succ = p;
    }
    const target = succ;
    // Stabilize only over a link: a routed request could reach the wrong peer or none, and a
    // missing route says nothing about the successor. The link coming up triggers stabilize.
    if (!ctx.mux.isLinked(target)) {
      ctx.mux.connect(target);
      return;
    }
    this.stabilizing = true;
    const changes = this.changes;
    const pause = this.nextPause();
    const body: StabilizeReq = { notify: true };
    if (this.heard?.from === target) body.v = this.heard.v;
    if (pause > 1) body.every = pause;
    ctx.call({ peer: target }, CHORD_SVC, 'stabilize', body, {}, (e, env) => {
      this.stabilizing = false;
      if (e) this.onSuccessorFailure(target);
      else {
        const rep = check(StabilizeRep, env!.body, 'stabilize reply');
        if (rep.ok) {
          this.onStabilizeReply(target, rep.value);
          // Our successor knows us as its predecessor and nothing changed: slow down.
          if (rep.value.pred === ctx.self && this.changes === changes && !this.again) this.every = Math.min(pause, this.every * 2);
        } else ctx.stats.badBodies++;
      }
      const again = this.again;
      this.again = false;
      if (again && chain < MAX_CHAINED_STABILIZE) this.stabilize(chain + 1);
    });
  }

  private onStabilizeReply(succ: PeerId, rep: StabilizeRep): void {
    const ctx = this.ctx;
    const s = ctx.state;
    if (ctx.status !== 'joined' || s.succs[0] !== succ) return;
    let theirs = rep.succs;
    if (theirs === undefined) theirs = this.heard?.from === succ && this.heard.v === rep.v ? this.heard.succs : [];
    this.heard = { from: succ, v: rep.v, succs: theirs };
    this.ctx.fingerAnswers.heardRoom(succ, rep.room === true);
    const x = rep.pred;
    // A closer successor, unless it is one we just saw fail (our successor has not noticed yet).
    const doubtMs = LOST_PEER_DOUBT_PERIODS * ctx.config.stabilizeIntervalMs;
    if (x !== null && x !== s.self && inInterval(s.id(x), s.selfId, s.id(succ)) && !this.ctx.lost.failedWithin(x, doubtMs)) {
      // A closer successor: adopt it and stabilize with it right away (or once linked).
      this.ctx.neighbours.applySuccessors([x, succ, ...theirs]);
      if (ctx.mux.isLinked(x)) this.again = true;
      this.ctx.relocator.stepped();
      return;
    }
    this.ctx.neighbours.applySuccessors([succ, ...theirs]);
    if (x !== s.self) return;
    this.ctx.relocator.confirmed();
    this.ctx.neighbours.successorConfirmed();
  }

  private onSuccessorFailure(succ: PeerId): void {
    const ctx = this.ctx;
    if (ctx.status !== 'joined' || ctx.state.succs[0] !== succ) return;
    ctx.stats.successorFailures++;
    this.ctx.neighbours.forget(succ);
    this.ctx.lost.remember(succ, true);
    this.again = true;
  }

  /** A peer says it precedes us (a stabilize with notify), and that its next round is `every` periods away. */
  notified(src: PeerId, every = 1): void {
    const ctx = this.ctx;
    const s = ctx.state;
    // A peer before our predecessor says it precedes us: our predecessor may have died unnoticed.
    // Ask it now; a dead link fails the ping at once, or else by timeout, instead of waiting for
    // the transport's failure detection.
    if (src !== s.pred && s.pred !== null && !s.betterPred(src)) {
      const c = this.standIn;
      if (c === null || c.p === src || this.standInStale(c) || inInterval(s.id(src), s.id(c.p), s.selfId)) this.standIn = { p: src, atMs: ctx.clock.now() };
      this.pingPredecessor();
    }
    if (src === s.pred) {
      this.predHeardAtMs = ctx.clock.now();
      this.predEvery = every;
    } else if (s.betterPred(src)) {
      const old = s.pred;
      this.ctx.neighbours.applyPred(src);
      this.predEvery = every;
      // The old predecessor's successor is now src: tell it, so it need not wait a whole period.
      if (old !== null && ctx.mux.isLinked(old)) ctx.send(old, CHORD_SVC, 'hint', { succ: src });
    }
    if (s.succs.length === 0) {
      // We were alone: the notifier is also our successor, and it learns its predecessor (us)
      // from our stabilize, which we send now rather than at our next tick.
      this.ctx.neighbours.applySuccessors([src]);
      this.stabilize(0);
    }
  }

  /**
   * Our predecessor failed: the closest peer that notified us in the last round or so, if it is
   * still linked, is our predecessor now (it would notify us again at its next round anyway).
   */
  takeStandIn(): PeerId | null {
    const c = this.standIn;
    this.standIn = null;
    if (c === null || this.standInStale(c) || !this.ctx.mux.isLinked(c.p) || c.p === this.ctx.state.pred) return null;
    return c.p;
  }

  private standInStale(c: { atMs: number }): boolean {
    return this.ctx.clock.now() - c.atMs > 2 * this.ctx.config.stabilizeIntervalMs;
  }

  /** Our successor took a new predecessor; stabilize now if it would be our better successor. */
  hinted(candidate: PeerId): void {
    const s = this.ctx.state;
    const succ = s.succs[0];
    if (succ === undefined || candidate === s.self) return;
    if (inInterval(s.id(candidate), s.selfId, s.id(succ))) this.stabilize(0);
  }

  /** A joiner tells us it sits between us and our successor: adopt it, then stabilize with it. */
  successorClaim(candidate: PeerId): void {
    const s = this.ctx.state;
    const succ = s.succs[0];
    if (candidate === s.self) return;
    if (succ !== undefined && !inInterval(s.id(candidate), s.selfId, s.id(succ))) return;
    this.ctx.neighbours.applySuccessors([candidate, ...s.succs]);
    this.stabilize(0);
  }

  checkPredecessor(): void {
    const ctx = this.ctx;
    const p = ctx.state.pred;
    const silentMs = ctx.clock.now() - this.predHeardAtMs;
    const silent = silentMs >= PRED_SILENCE_PERIODS * ctx.config.stabilizeIntervalMs;
    // A predecessor that backs off is silent for its pause: wait that long and the usual margin.
    const overdue = silentMs >= (this.predEvery + PRED_SILENCE_PERIODS - 1) * ctx.config.stabilizeIntervalMs;
    // Nobody has taken us as successor for a while: the ring may be passing us by.
    if (p === null && silent && ctx.state.succs.length > 0) this.ctx.relocator.relocate();
    if (p === null) return;
    if (!ctx.mux.isLinked(p) && !ctx.mux.isConnecting(p)) {
      ctx.stats.predecessorFailures++;
      this.ctx.neighbours.applyPred(null);
      return;
    }
    if (!overdue) return;
    this.pingPredecessor();
  }

  /** Ping the predecessor (one ping in flight at a time); forget it if the ping fails. */
  private pingPredecessor(): void {
    const ctx = this.ctx;
    const p = ctx.state.pred;
    if (p === null || this.pinging) return;
    this.pinging = true;
    this.predHeardAtMs = ctx.clock.now();
    ctx.call({ peer: p }, CHORD_SVC, 'ping', {}, {}, (e) => {
      this.pinging = false;
      if (!e || ctx.state.pred !== p) return;
      ctx.stats.predecessorFailures++;
      this.ctx.neighbours.applyPred(null);
    });
  }
}
