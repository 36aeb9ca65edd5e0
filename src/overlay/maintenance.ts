// Periodic upkeep of one ring and the state changes that follow from messages: join, stabilize
// and notify, predecessor checks, leave, failure handling. Every change to the successor list or
// predecessor goes through applySuccessors/applyPred so that events are emitted and link roles
// follow. Finger repair is in fingers.ts, the join handshake in join.ts.
import { check } from '../core/codec.js';
import { SchemaMismatchError, TimeoutError } from '../core/errors.js';
import { distance, inInterval, type Id, type PeerId } from '../core/id.js';
import type { LinkDownReason, TimerHandle } from '../env/ports.js';
import { CHORD_SVC, LINK_GRACE_MS, LINKED_SUCCESSORS, MAX_CHAINED_STABILIZE, PRED_SILENCE_PERIODS } from './constants.js';
import { Fingers } from './fingers.js';
import { Join, type JoinAnswer } from './join.js';
import { LostPeers } from './lost.js';
import { Relocator } from './relocate.js';
import type { ChordRing } from './ring.js';
import { FindSuccRep, StabilizeRep, type LeaveMsg } from './schemas.js';

/** Link-down reasons that mean "alive but not talking to us", as opposed to a failure. */
const DELIBERATE: ReadonlySet<LinkDownReason> = new Set(['remote-closed', 'refused', 'closed']);

export class Maintenance {
  readonly fingers: Fingers;
  private readonly join: Join;
  private readonly lost: LostPeers;
  private readonly relocator: Relocator;
  private readonly timers: TimerHandle[] = [];
  private stabilizing = false;
  private again = false;
  private predHeardAtMs = 0;
  private succConfirmed = false;
  private joinedEmitted = false;
  private ticks = 0;
  /** Our predecessor-to-be, learned at join: told that we precede its successor once linked. */
  private claimTo: PeerId | null = null;
  /** The successor list our successor last sent, and its version (see StabilizeReq). */
  private heard: { from: PeerId; v: number; succs: PeerId[] } | null = null;

  constructor(private readonly r: ChordRing) {
    this.fingers = new Fingers(r);
    this.lost = new LostPeers(r);
    this.join = new Join(r, (a) => this.joined(a));
    this.relocator = new Relocator(r, (owner, succs, pred) => this.takePlace(owner, succs, pred));
  }

  get bootstrap(): PeerId | null {
    return this.join.bootstrap;
  }

  /** Has this peer been in its place on the ring yet ('joined' emitted)? */
  get inPlace(): boolean {
    return this.joinedEmitted;
  }

  // ---- join ------------------------------------------------------------------------------

  start(bootstrap: PeerId | null): Promise<void> {
    if (bootstrap !== null) return this.join.start(bootstrap);
    this.r.status = 'joined';
    this.startTimers();
    this.checkJoined();
    return Promise.resolve();
  }

  private joined(a: JoinAnswer): void {
    const r = this.r;
    r.status = 'joined';
    this.applySuccessors([a.owner, ...a.succs]);
    this.fingers.seed([...a.fingers, ...a.succs]);
    this.startTimers();
    this.takePlace(a.owner, a.succs, a.pred);
  }

  /** Our successor is owner (from a lookup of our id): stabilize with it and tell its predecessor. */
  private takePlace(owner: PeerId, succs: PeerId[], pred: PeerId | null): void {
    const r = this.r;
    this.applySuccessors([owner, ...succs]);
    if (r.mux.isLinked(owner)) this.stabilize(0);
    // Our successor's predecessor precedes us now: tell it at once instead of waiting for its
    // next stabilize round, so a joiner is in place within one period.
    if (pred !== null && pred !== r.self && pred !== owner) {
      this.claimTo = pred;
      if (r.mux.isLinked(pred)) this.sendClaim(pred);
      else r.mux.connect(pred);
    }
  }

  private sendClaim(p: PeerId): void {
    this.claimTo = null;
    this.r.send(p, CHORD_SVC, 'hint', { succ: this.r.self });
  }

  // ---- timers ----------------------------------------------------------------------------

  /**
   * One timer per peer drives all upkeep, every stabilize period; finger repair and predecessor
   * checks run every so many periods (their intervals are rounded to whole periods). One timer
   * instead of three is a third of the events a simulation of 100,000 peers has to schedule.
   */
  private startTimers(): void {
    const c = this.r.config;
    const periods = (ms: number) => Math.max(1, Math.round(ms / c.stabilizeIntervalMs));
    const sweepEvery = periods(LINK_GRACE_MS);
    const fingersEvery = periods(c.fixFingersIntervalMs);
    const predEvery = periods(c.checkPredecessorIntervalMs);
    this.every(c.stabilizeIntervalMs, () => {
      const t = ++this.ticks;
      this.stabilize(0);
      this.lost.probe();
      this.relocator.tick();
      if (t % fingersEvery === 0) this.fingers.tick();
      if (t % predEvery === 0) this.checkPredecessor();
      if (t % sweepEvery === 0) for (const p of this.r.mux.links()) this.r.roles.release(p, false);
    });
  }

  /** Run fn every intervalMs from a random phase, so peers do not tick in lockstep. */
  private every(intervalMs: number, fn: () => void): void {
    const slot = this.timers.length;
    const arm = (delayMs: number) => {
      this.timers[slot] = this.r.clock.setTimer(delayMs, () => {
        if (this.r.status === 'stopped') return;
        arm(intervalMs);
        fn();
      });
    };
    arm(1 + this.r.rng.int(intervalMs));
  }

  stop(): void {
    for (const t of this.timers) this.r.clock.cancel(t);
    this.timers.length = 0;
    this.join.stop();
  }

  // ---- stabilize and notify --------------------------------------------------------------

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
      this.applySuccessors([p]);
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
      this.applySuccessors([x, succ, ...theirs]);
      if (r.mux.isLinked(x)) this.again = true;
      this.relocator.stepped();
      return;
    }
    this.applySuccessors([succ, ...theirs]);
    if (x !== s.self) return;
    this.relocator.confirmed();
    if (!this.succConfirmed) {
      this.succConfirmed = true;
      this.checkJoined();
    }
  }

  private onSuccessorFailure(succ: PeerId): void {
    const r = this.r;
    if (r.status !== 'joined' || r.state.succs[0] !== succ) return;
    r.stats.successorFailures++;
    this.forget(succ);
    this.lost.remember(succ);
    this.again = true;
  }

  /** A peer says it precedes us (a stabilize with notify). */
  notified(src: PeerId): void {
    const r = this.r;
    const s = r.state;
    if (src === s.pred) {
      this.predHeardAtMs = r.clock.now();
    } else if (s.betterPred(src)) {
      const old = s.pred;
      this.applyPred(src);
      // The old predecessor's successor is now src: tell it, so it need not wait a whole period.
      if (old !== null && r.mux.isLinked(old)) r.send(old, CHORD_SVC, 'hint', { succ: src });
    }
    if (s.succs.length === 0) {
      // We were alone: the notifier is also our successor, and it learns its predecessor (us)
      // from our stabilize, which we send now rather than at our next tick.
      this.applySuccessors([src]);
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
    this.applySuccessors([candidate, ...s.succs]);
    this.stabilize(0);
  }

  /** A neighbour leaves gracefully and hands over its own neighbours. */
  peerLeft(src: PeerId, msg: LeaveMsg): void {
    const s = this.r.state;
    if (src === s.pred) this.applyPred(msg.pred as PeerId | null);
    const i = s.succs.indexOf(src);
    if (i >= 0) this.applySuccessors([...s.succs.slice(0, i), ...(msg.succs as PeerId[])]);
    this.forget(src);
    this.fingers.dropPeer(src);
    if (i === 0) this.stabilize(0);
  }

  /**
   * Hand our neighbours over to each other, and tell every other peer that routes through us
   * to stop: a message sent to a peer that has left is lost until its link goes down.
   */
  sendLeave(): void {
    const s = this.r.state;
    const body = { pred: s.pred, succs: s.succs };
    if (s.succs[0] !== undefined) this.r.send(s.succs[0], CHORD_SVC, 'leave', body);
    if (s.pred !== null && s.pred !== s.succs[0]) this.r.send(s.pred, CHORD_SVC, 'leave', body);
    for (const p of s.contacts.keys()) if (p !== s.pred && p !== s.succs[0]) this.r.sendLinked(p, CHORD_SVC, 'leave', body);
  }

  // ---- predecessor checks ----------------------------------------------------------------

  private checkPredecessor(): void {
    const r = this.r;
    const p = r.state.pred;
    const silentMs = r.clock.now() - this.predHeardAtMs;
    const silent = silentMs >= PRED_SILENCE_PERIODS * r.config.stabilizeIntervalMs;
    // Nobody has taken us as successor for a while: the ring may be passing us by.
    if (p === null && silent && r.state.succs.length > 0) this.relocator.relocate();
    if (p === null) return;
    if (!r.mux.isLinked(p) && !r.mux.isConnecting(p)) {
      r.stats.predecessorFailures++;
      this.applyPred(null);
      return;
    }
    if (!silent) return;
    this.predHeardAtMs = r.clock.now();
    r.call({ peer: p }, CHORD_SVC, 'ping', {}, {}, (e) => {
      if (!e || r.state.pred !== p) return;
      r.stats.predecessorFailures++;
      this.applyPred(null);
    });
  }

  // ---- links -----------------------------------------------------------------------------

  linkUp(peer: PeerId): void {
    const r = this.r;
    if (r.status === 'joining') return this.join.linkUp(peer);
    if (r.status !== 'joined') return;
    r.roles.linkUp(peer);
    if (peer === this.claimTo) this.sendClaim(peer);
    if (this.lost.recovered(peer)) return;
    if (peer === r.state.succs[0]) this.stabilize(0);
  }

  linkDown(peer: PeerId, reason: LinkDownReason): void {
    const r = this.r;
    const s = r.state;
    r.roles.linkDown(peer);
    s.contacts.delete(peer);
    if (r.status === 'joining') return this.join.linkDown(peer);
    if (r.status !== 'joined') return;
    this.fingers.dropPeer(peer);
    const neighbour = peer === s.succs[0] || peer === s.pred;
    if (DELIBERATE.has(reason) && !neighbour) {
      // Alive but closing on us (its link cap): leave it alone for a while.
      if (reason !== 'closed') r.refused.add(peer, r.clock.now() + r.config.refusedBackoffMs);
      return;
    }
    this.forget(peer);
    if (neighbour) this.lost.remember(peer);
  }

  /** Our finger turned us down (no room): find another peer for that slot soon. */
  fingerRefused(peer: PeerId): void {
    this.r.refused.add(peer, this.r.clock.now() + this.r.config.refusedBackoffMs);
    this.fingers.dropPeer(peer);
    this.r.roles.update(peer);
  }

  /** Links this ring is about to need: empty finger slots and successors not linked yet. */
  pendingLinks(): number {
    const s = this.r.state;
    let n = this.fingers.pending();
    for (let i = 0; i < LINKED_SUCCESSORS && i < s.succs.length; i++) if (!this.r.mux.isLinked(s.succs[i]!)) n++;
    return n;
  }

  /** Forget a peer that failed or left, emitting the events that follow. */
  private forget(peer: PeerId): void {
    const s = this.r.state;
    s.contacts.delete(peer);
    if (s.pred === peer) this.applyPred(null);
    if (!s.succs.includes(peer)) return;
    const rest = s.succs.filter((p) => p !== peer);
    if (rest.length > 0) this.applySuccessors(rest);
    else this.fallbackSuccessor(peer);
  }

  /** With every successor gone, the closest linked member clockwise stands in until stabilize repairs. */
  private fallbackSuccessor(gone: PeerId): void {
    const s = this.r.state;
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

  applySuccessors(list: PeerId[]): void {
    const r = this.r;
    const s = r.state;
    const before = s.succs.slice(0, LINKED_SUCCESSORS);
    if (!s.setSuccessors(list)) return;
    r.events.emit('successors-changed', { successors: [...s.succs] });
    // Only the first successors are kept linked: the rest are ids to fall back on, linked when
    // they move up, which leaves room in the link budget for fingers.
    const linked = s.succs.slice(0, LINKED_SUCCESSORS);
    const now = r.clock.now();
    for (const p of linked) {
      if (r.mux.isLinked(p)) r.roles.update(p);
      else if (p === s.succs[0] || !r.refused.has(p, now)) r.mux.connect(p);
    }
    for (const p of before) if (!linked.includes(p)) r.roles.update(p);
  }

  applyPred(p: PeerId | null): void {
    const r = this.r;
    const old = r.state.setPred(p);
    if (old === undefined) return;
    this.predHeardAtMs = r.clock.now();
    if (p !== null) r.roles.update(p);
    r.events.emit('predecessor-changed', { from: old, to: p });
    if (p !== null) {
      r.events.emit('range-changed', { from: old === null ? null : { start: old, end: r.self }, to: { start: p, end: r.self } });
      this.checkJoined();
    }
    if (old !== null) r.roles.update(old);
  }

  private checkJoined(): void {
    const r = this.r;
    if (this.joinedEmitted || r.status !== 'joined') return;
    const alone = r.state.succs.length === 0;
    if (!alone && (r.state.pred === null || !this.succConfirmed)) return;
    this.joinedEmitted = true;
    r.events.emit('joined', { atMs: r.clock.now() });
  }

  // ---- lookups ---------------------------------------------------------------------------

  /**
   * A routed request of ours timed out. Its answer is routed back to our id, so a ring that
   * passes us by loses every answer: check our place (at most once per cooldown).
   */
  lookupFailed(e: Error): void {
    if (e instanceof TimeoutError && this.r.status === 'joined') this.relocator.relocate();
  }

  findSuccessor(key: Id, withFingers: boolean, timeoutMs: number | undefined, done: (e: Error | null, rep?: FindSuccRep) => void, redundant = false): void {
    const body = withFingers ? { fingers: true } : {};
    const opts = timeoutMs === undefined ? { redundant } : { timeoutMs, redundant };
    this.r.call(key, CHORD_SVC, 'find-succ', body, opts, (e, env) => {
      if (e) {
        this.lookupFailed(e);
        return done(e);
      }
      const rep = check(FindSuccRep, env!.body, 'find-succ reply');
      if (!rep.ok) return done(new SchemaMismatchError('find-succ reply', '', rep.error.message));
      done(null, rep.value);
    });
  }
}
