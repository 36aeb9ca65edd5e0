// Periodic upkeep of one ring and the state changes that follow from messages: join, stabilize
// and notify, finger repair, predecessor checks, leave, failure handling. Every change to the
// successor list or predecessor goes through applySuccessors/applyPred so events are emitted.
import { check } from '../core/codec.js';
import { PeerGoneError, SchemaMismatchError } from '../core/errors.js';
import { addPow2, distance, inInterval, type Id, type PeerId } from '../core/id.js';
import type { LinkDownReason, TimerHandle } from '../env/ports.js';
import { CHORD_SVC, FINGER_SLOTS, LINKED_SUCCESSORS, MAX_CHAINED_STABILIZE, PRED_SILENCE_PERIODS } from './constants.js';
import { Fingers } from './fingers.js';
import { LinkValue } from './mux.js';
import type { ChordRing } from './ring.js';
import { FindSuccRep, StabilizeRep, type LeaveMsg } from './schemas.js';
import { LostPeers } from './lost.js';

/** Link-down reasons that mean "alive but not talking to us", as opposed to a failure. */
const DELIBERATE: ReadonlySet<LinkDownReason> = new Set(['remote-closed', 'refused', 'closed']);

export class Maintenance {
  bootstrap: PeerId | null = null;
  private readonly timers: TimerHandle[] = [];
  private joinTimer: TimerHandle | null = null;
  private joinAttempt = 0;
  private joinSettle: { resolve(): void; reject(e: Error): void } | null = null;
  private stabilizing = false;
  private again = false;
  private predHeardAtMs = 0;
  private succConfirmed = false;
  private joinedEmitted = false;
  private readonly fingerRepair: Fingers;
  private readonly lost: LostPeers;

  constructor(private readonly r: ChordRing) {
    this.fingerRepair = new Fingers(r);
    this.lost = new LostPeers(r);
  }

  // ---- join ------------------------------------------------------------------------------

  join(bootstrap: PeerId | null): Promise<void> {
    if (bootstrap === null) {
      this.r.status = 'joined';
      this.startTimers();
      this.checkJoined();
      return Promise.resolve();
    }
    this.r.status = 'joining';
    this.bootstrap = bootstrap;
    return new Promise<void>((resolve, reject) => {
      this.joinSettle = { resolve, reject };
      this.attemptJoin();
    });
  }

  private attemptJoin(): void {
    const b = this.bootstrap;
    if (this.r.status !== 'joining' || b === null) return;
    if (this.joinAttempt++ >= this.r.config.joinAttempts) {
      this.r.status = 'idle';
      this.bootstrap = null;
      this.joinSettle?.reject(new PeerGoneError(b));
      this.joinSettle = null;
      return;
    }
    if (this.r.mux.isLinked(b)) return this.sendJoin(b);
    this.r.mux.connect(b);
    this.joinTimer = this.r.clock.setTimer(this.r.config.requestTimeoutMs, () => {
      this.joinTimer = null;
      this.attemptJoin();
    });
  }

  private sendJoin(b: PeerId): void {
    if (this.joinTimer !== null) this.r.clock.cancel(this.joinTimer);
    this.joinTimer = null;
    this.r.call({ peer: b }, CHORD_SVC, 'join', {}, {}, (e, env) => {
      if (e) return this.attemptJoin();
      const rep = check(FindSuccRep, env!.body, 'join reply');
      if (!rep.ok || this.r.status !== 'joining') return this.attemptJoin();
      this.joined(rep.value.owner as PeerId, rep.value.succs as PeerId[], (rep.value.fingers ?? []) as PeerId[]);
    });
  }

  private joined(owner: PeerId, succs: PeerId[], fingerHints: PeerId[]): void {
    this.r.status = 'joined';
    this.bootstrap = null;
    this.applySuccessors([owner, ...succs]);
    this.fingerRepair.seed([...fingerHints, owner, ...succs]);
    this.startTimers();
    this.joinSettle?.resolve();
    this.joinSettle = null;
    if (this.r.mux.isLinked(owner)) this.stabilize(0);
    else this.r.mux.connect(owner);
  }

  // ---- timers ----------------------------------------------------------------------------

  private startTimers(): void {
    const c = this.r.config;
    this.every(c.stabilizeIntervalMs, () => {
      this.stabilize(0);
      this.lost.probe();
    });
    this.every(c.fixFingersIntervalMs, () => this.fingerRepair.tick());
    this.every(c.checkPredecessorIntervalMs, () => this.checkPredecessor());
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
    if (this.joinTimer !== null) this.r.clock.cancel(this.joinTimer);
    this.joinSettle?.reject(new PeerGoneError(this.bootstrap ?? this.r.self));
    this.joinSettle = null;
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
    r.call({ peer: target }, CHORD_SVC, 'stabilize', { notify: true }, {}, (e, env) => {
      this.stabilizing = false;
      const again = this.again;
      this.again = false;
      if (e) return this.onSuccessorFailure(target, chain);
      const rep = check(StabilizeRep, env!.body, 'stabilize reply');
      if (rep.ok) this.onStabilizeReply(target, rep.value, chain);
      else r.stats.badBodies++;
      if (again && chain < MAX_CHAINED_STABILIZE) this.stabilize(chain + 1);
    });
  }

  private onStabilizeReply(succ: PeerId, rep: StabilizeRep, chain: number): void {
    const s = this.r.state;
    if (this.r.status !== 'joined' || s.succs[0] !== succ) return;
    const x = rep.pred as PeerId | null;
    if (x !== null && x !== s.self && inInterval(s.id(x), s.selfId, s.id(succ))) {
      this.applySuccessors([x, succ, ...(rep.succs as PeerId[])]);
      if (this.r.mux.isLinked(x)) {
        if (chain < MAX_CHAINED_STABILIZE) this.stabilize(chain + 1);
      } else this.r.mux.connect(x);
      return;
    }
    this.applySuccessors([succ, ...(rep.succs as PeerId[])]);
    if (x === s.self && !this.succConfirmed) {
      this.succConfirmed = true;
      this.checkJoined();
    }
  }

  private onSuccessorFailure(succ: PeerId, chain: number): void {
    const r = this.r;
    if (r.status !== 'joined' || r.state.succs[0] !== succ) return;
    r.stats.successorFailures++;
    this.forget(succ);
    this.lost.remember(succ);
    if (chain < MAX_CHAINED_STABILIZE) this.stabilize(chain + 1);
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
    if (!r.mux.isLinked(src)) r.mux.connect(src);
    if (s.succs.length === 0) this.applySuccessors([src]);
  }

  /** Our old successor took a new predecessor; stabilize now if it would be our better successor. */
  hinted(candidate: PeerId): void {
    const s = this.r.state;
    const succ = s.succs[0];
    if (succ === undefined || candidate === s.self) return;
    if (inInterval(s.id(candidate), s.selfId, s.id(succ))) this.stabilize(0);
  }

  /** A neighbour leaves gracefully and hands over its own neighbours. */
  peerLeft(src: PeerId, msg: LeaveMsg): void {
    const s = this.r.state;
    if (src === s.pred) this.applyPred(msg.pred as PeerId | null);
    const i = s.succs.indexOf(src);
    if (i >= 0) this.applySuccessors([...s.succs.slice(0, i), ...(msg.succs as PeerId[])]);
    this.forget(src);
    if (i === 0) this.stabilize(0);
  }

  sendLeave(): void {
    const s = this.r.state;
    const body = { pred: s.pred, succs: s.succs };
    if (s.succs[0] !== undefined) this.r.send(s.succs[0], CHORD_SVC, 'leave', body);
    if (s.pred !== null && s.pred !== s.succs[0]) this.r.send(s.pred, CHORD_SVC, 'leave', body);
  }

  // ---- predecessor checks ----------------------------------------------------------------

  private checkPredecessor(): void {
    const r = this.r;
    const p = r.state.pred;
    if (p === null) return;
    if (!r.mux.isLinked(p) && !r.mux.isConnecting(p)) {
      r.stats.predecessorFailures++;
      this.applyPred(null);
      return;
    }
    const silentMs = r.clock.now() - this.predHeardAtMs;
    if (silentMs < PRED_SILENCE_PERIODS * r.config.stabilizeIntervalMs) return;
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
    if (r.status === 'joining' && peer === this.bootstrap) return this.sendJoin(peer);
    if (r.status !== 'joined') return;
    if (r.linkValue(peer) > LinkValue.none) r.state.contacts.set(peer, r.state.id(peer));
    if (this.lost.recovered(peer)) return;
    if (peer === r.state.succs[0]) this.stabilize(0);
  }

  linkDown(peer: PeerId, reason: LinkDownReason): void {
    const r = this.r;
    const s = r.state;
    s.contacts.delete(peer);
    if (r.status === 'joining' && peer === this.bootstrap) {
      if (this.joinTimer !== null) r.clock.cancel(this.joinTimer);
      this.joinTimer = null;
      return this.attemptJoin();
    }
    if (r.status !== 'joined') return;
    const neighbour = peer === s.succs[0] || peer === s.pred;
    if (DELIBERATE.has(reason) && !neighbour) {
      r.refused.add(peer, r.clock.now() + r.config.refusedBackoffMs);
      return;
    }
    this.forget(peer);
    if (neighbour) this.lost.remember(peer);
  }

  /** Forget a peer that failed or left, emitting the events that follow. */
  private forget(peer: PeerId): void {
    const s = this.r.state;
    const oldHead = s.succs[0];
    const changed = s.forget(peer);
    if (changed.pred !== undefined) this.emitPred(changed.pred, null);
    if (s.succs.length === 0) this.fallbackSuccessor();
    else if (changed.succs) this.emitSuccessors();
    if (s.succs[0] !== oldHead && s.succs[0] !== undefined && !this.r.mux.isLinked(s.succs[0])) this.r.mux.connect(s.succs[0]);
  }

  /** With every successor gone, the closest linked member clockwise stands in until stabilize repairs. */
  private fallbackSuccessor(): void {
    const s = this.r.state;
    let best: PeerId | null = null;
    let bestD = 0n;
    for (const [p, id] of s.contacts) {
      const d = distance(s.selfId, id);
      if (best === null || d < bestD) {
        best = p;
        bestD = d;
      }
    }
    if (best !== null) this.applySuccessors([best]);
    else this.emitSuccessors();
  }

  applySuccessors(list: PeerId[]): void {
    const s = this.r.state;
    if (!s.setSuccessors(list)) return;
    this.emitSuccessors();
    // Only the first successors are kept linked: the rest are ids to fall back on, linked on
    // demand, which leaves room in the link budget for fingers.
    for (const p of s.succs.slice(0, LINKED_SUCCESSORS)) if (!this.r.mux.isLinked(p) && !this.r.refused.has(p, this.r.clock.now())) {
      if (p === s.succs[0] || this.r.mux.canConnect(LinkValue.successor)) this.r.mux.connect(p);
    }
  }

  private emitSuccessors(): void {
    this.r.events.emit('successors-changed', { successors: [...this.r.state.succs] });
  }

  applyPred(p: PeerId | null): void {
    const old = this.r.state.setPred(p);
    if (old === undefined) return;
    this.predHeardAtMs = this.r.clock.now();
    this.emitPred(old, p);
  }

  private emitPred(from: PeerId | null, to: PeerId | null): void {
    const r = this.r;
    r.events.emit('predecessor-changed', { from, to });
    if (to !== null) {
      r.events.emit('range-changed', { from: from === null ? null : { start: from, end: r.self }, to: { start: to, end: r.self } });
      this.checkJoined();
    }
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

  findSuccessor(key: Id, withFingers: boolean, timeoutMs: number | undefined, done: (e: Error | null, rep?: FindSuccRep) => void): void {
    const body = withFingers ? { fingers: true } : {};
    const opts = timeoutMs === undefined ? {} : { timeoutMs };
    this.r.call(key, CHORD_SVC, 'find-succ', body, opts, (e, env) => {
      if (e) return done(e);
      const rep = check(FindSuccRep, env!.body, 'find-succ reply');
      if (!rep.ok) return done(new SchemaMismatchError('find-succ reply', '', rep.error.message));
      done(null, rep.value);
    });
  }

  /** The start of finger slot k. */
  fingerStart(k: number): Id {
    return addPow2(this.r.state.selfId, k % FINGER_SLOTS);
  }
}
