// Stabilize and notify, and predecessor checks: how a peer keeps its successor list and its
// predecessor right. Every change goes through Maintenance.applySuccessors/applyPred, so that
// events are emitted and link roles follow.
import { check } from '../core/codec.js';
import { inInterval, type PeerId } from '../core/id.js';
import { CHORD_SVC, MAX_CHAINED_STABILIZE, PRED_SILENCE_PERIODS } from './constants.js';
import type { Maintenance } from './maintenance.js';
import type { ChordRing } from './ring.js';
import { StabilizeRep } from './schemas.js';

export class Stabilizer {
  private stabilizing = false;
  private again = false;
  private predHeardAtMs = 0;
  private pinging = false;
  /** The successor list our successor last sent, and its version (see StabilizeReq). */
  private heard: { from: PeerId; v: number; succs: PeerId[] } | null = null;

  constructor(
    private readonly r: ChordRing,
    private readonly m: Maintenance,
  ) {}

  /** The predecessor changed: its silence is counted from now. */
  predChanged(): void {
    this.predHeardAtMs = this.r.clock.now();
  }

  /** Ask the successor for its predecessor and successor list, telling it we precede it. */
  stabilize(chain: number): void {
    const r = this.r;
    if (r.status !== 'joined') return;
    if (this.stabilizing) {
      // Something changed while a round is in flight: run one more right after it.
      this.again = true;
      return;
    }
    let succ = r.state.succs[0];
    if (succ === undefined) {
      const p = r.state.pred;
      if (p === null || !r.mux.isLinked(p)) return;
      this.m.applySuccessors([p]);
      succ = p;
    }
    const target = succ;
    // Stabilize only over a link: a routed request could reach the wrong peer or none, and a
    // missing route says nothing about the successor. The link coming up triggers stabilize.
    if (!r.mux.isLinked(target)) {
      r.mux.connect(target);
      return;
    }
    this.stabilizing = true;
    const body = this.heard?.from === target ? { notify: true, v: this.heard.v } : { notify: true };
    r.call({ peer: target }, CHORD_SVC, 'stabilize', body, {}, (e, env) => {
      this.stabilizing = false;
      if (e) this.onSuccessorFailure(target);
      else {
        const rep = check(StabilizeRep, env!.body, 'stabilize reply');
        if (rep.ok) this.onStabilizeReply(target, rep.value);
        else r.stats.badBodies++;
      }
      const again = this.again;
      this.again = false;
      if (again && chain < MAX_CHAINED_STABILIZE) this.stabilize(chain + 1);
    });
  }

  private onStabilizeReply(succ: PeerId, rep: StabilizeRep): void {
    const r = this.r;
    const s = r.state;
    if (r.status !== 'joined' || s.succs[0] !== succ) return;
    let theirs = rep.succs as PeerId[] | undefined;
    if (theirs === undefined) theirs = this.heard?.from === succ && this.heard.v === rep.v ? this.heard.succs : [];
    this.heard = { from: succ, v: rep.v, succs: theirs };
    const x = rep.pred as PeerId | null;
    if (x !== null && x !== s.self && inInterval(s.id(x), s.selfId, s.id(succ))) {
      // A closer successor: adopt it and stabilize with it right away (or once linked).
      this.m.applySuccessors([x, succ, ...theirs]);
      if (r.mux.isLinked(x)) this.again = true;
      this.m.relocator.stepped();
      return;
    }
    this.m.applySuccessors([succ, ...theirs]);
    if (x !== s.self) return;
    this.m.relocator.confirmed();
    this.m.successorConfirmed();
  }

  private onSuccessorFailure(succ: PeerId): void {
    const r = this.r;
    if (r.status !== 'joined' || r.state.succs[0] !== succ) return;
    r.stats.successorFailures++;
    this.m.forget(succ);
    this.m.lost.remember(succ);
    this.again = true;
  }

  /** A peer says it precedes us (a stabilize with notify). */
  notified(src: PeerId): void {
    const r = this.r;
    const s = r.state;
    // A peer before our predecessor says it precedes us: our predecessor may have died unnoticed.
    // Ask it now; a dead link fails the ping at once, or else by timeout, instead of waiting for
    // the transport's failure detection.
    if (src !== s.pred && s.pred !== null && !s.betterPred(src)) this.pingPredecessor();
    if (src === s.pred) {
      this.predHeardAtMs = r.clock.now();
    } else if (s.betterPred(src)) {
      const old = s.pred;
      this.m.applyPred(src);
      // The old predecessor's successor is now src: tell it, so it need not wait a whole period.
      if (old !== null && r.mux.isLinked(old)) r.send(old, CHORD_SVC, 'hint', { succ: src });
    }
    if (s.succs.length === 0) {
      // We were alone: the notifier is also our successor, and it learns its predecessor (us)
      // from our stabilize, which we send now rather than at our next tick.
      this.m.applySuccessors([src]);
      this.stabilize(0);
    }
  }

  /** Our successor took a new predecessor; stabilize now if it would be our better successor. */
  hinted(candidate: PeerId): void {
    const s = this.r.state;
    const succ = s.succs[0];
    if (succ === undefined || candidate === s.self) return;
    if (inInterval(s.id(candidate), s.selfId, s.id(succ))) this.stabilize(0);
  }

  /** A joiner tells us it sits between us and our successor: adopt it, then stabilize with it. */
  successorClaim(candidate: PeerId): void {
    const s = this.r.state;
    const succ = s.succs[0];
    if (candidate === s.self) return;
    if (succ !== undefined && !inInterval(s.id(candidate), s.selfId, s.id(succ))) return;
    this.m.applySuccessors([candidate, ...s.succs]);
    this.stabilize(0);
  }

  checkPredecessor(): void {
    const r = this.r;
    const p = r.state.pred;
    const silentMs = r.clock.now() - this.predHeardAtMs;
    const silent = silentMs >= PRED_SILENCE_PERIODS * r.config.stabilizeIntervalMs;
    // Nobody has taken us as successor for a while: the ring may be passing us by.
    if (p === null && silent && r.state.succs.length > 0) this.m.relocator.relocate();
    if (p === null) return;
    if (!r.mux.isLinked(p) && !r.mux.isConnecting(p)) {
      r.stats.predecessorFailures++;
      this.m.applyPred(null);
      return;
    }
    if (!silent) return;
    this.pingPredecessor();
  }

  /** Ping the predecessor (one ping in flight at a time); forget it if the ping fails. */
  private pingPredecessor(): void {
    const r = this.r;
    const p = r.state.pred;
    if (p === null || this.pinging) return;
    this.pinging = true;
    this.predHeardAtMs = r.clock.now();
    r.call({ peer: p }, CHORD_SVC, 'ping', {}, {}, (e) => {
      this.pinging = false;
      if (!e || r.state.pred !== p) return;
      r.stats.predecessorFailures++;
      this.m.applyPred(null);
    });
  }
}
