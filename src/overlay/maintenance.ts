// Periodic upkeep of one ring and the state changes that follow from messages: join, leave,
// links coming and going, failure handling. Every change to the successor list or predecessor
// goes through applySuccessors/applyPred so that events are emitted and link roles follow.
// Stabilize and predecessor checks are in stabilize.ts, finger repair in fingers.ts, the join
// handshake in join.ts, relocation in relocate.ts.
import { check } from '../core/codec.js';
import { SchemaMismatchError, TimeoutError } from '../core/errors.js';
import { distance, type Id, type PeerId } from '../core/id.js';
import type { LinkDownReason, TimerHandle } from '../env/ports.js';
import { CHORD_SVC, LINK_GRACE_MS, LINKED_SUCCESSORS } from './constants.js';
import { Fingers } from './fingers.js';
import { Join, type JoinAnswer } from './join.js';
import { LostPeers } from './lost.js';
import { Relocator } from './relocate.js';
import { Stabilizer } from './stabilize.js';
import type { ChordRing } from './ring.js';
import { FindSuccRep, type LeaveMsg } from './schemas.js';

/** Link-down reasons that mean "alive but not talking to us", as opposed to a failure. */
const DELIBERATE: ReadonlySet<LinkDownReason> = new Set(['remote-closed', 'refused', 'closed']);

/** Did the link go down because the peer or the path failed (not closed by either side)? */
export function linkFailed(reason: LinkDownReason): boolean {
  return !DELIBERATE.has(reason);
}

export class Maintenance {
  readonly fingers: Fingers;
  private readonly join: Join;
  /** @internal */ readonly lost: LostPeers;
  /** @internal */ readonly relocator: Relocator;
  private readonly timers: TimerHandle[] = [];
  readonly stabilizer: Stabilizer;
  private succConfirmed = false;
  private joinedEmitted = false;
  private ticks = 0;
  /** Our predecessor-to-be, learned at join: told that we precede its successor once linked. */
  private claimTo: PeerId | null = null;

  constructor(private readonly r: ChordRing) {
    this.fingers = new Fingers(r);
    this.lost = new LostPeers(r);
    this.stabilizer = new Stabilizer(r, this);
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
    this.fingers.seed(a.succs);
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
      this.stabilizer.tick();
      this.lost.probe();
      this.relocator.tick();
      if (t % fingersEvery === 0) this.fingers.tick();
      if (t % predEvery === 0) this.stabilizer.checkPredecessor();
      if (t % sweepEvery === 0) for (const p of this.r.mux.links()) this.r.roles.release(p, false);
    });
  }

  /**
   * Run fn every intervalMs from a random phase, so peers do not tick in lockstep. One callback
   * serves every period (a closure made per period would live a whole period, and in a large
   * simulation be promoted to the old heap as garbage).
   */
  private every(intervalMs: number, fn: () => void): void {
    const slot = this.timers.length;
    const tick = (): void => {
      if (this.r.status === 'stopped') return;
      this.timers[slot] = this.r.clock.setTimer(intervalMs, tick);
      fn();
    };
    this.timers[slot] = this.r.clock.setTimer(1 + this.r.rng.int(intervalMs), tick);
  }

  stop(): void {
    for (const t of this.timers) this.r.clock.cancel(t);
    this.timers.length = 0;
    this.join.stop();
  }

  /** @internal Ask the successor for its predecessor and successor list (see Stabilizer). */
  stabilize(chain: number): void {
    this.stabilizer.stabilize(chain);
  }

  /** A neighbour leaves gracefully and hands over its own neighbours. */
  peerLeft(src: PeerId, msg: LeaveMsg): void {
    const s = this.r.state;
    if (src === s.pred) this.applyPred(msg.pred);
    const i = s.succs.indexOf(src);
    if (i >= 0) this.applySuccessors([...s.succs.slice(0, i), ...msg.succs]);
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

  // ---- links -----------------------------------------------------------------------------

  linkUp(peer: PeerId): void {
    const r = this.r;
    if (r.status === 'joining') return this.join.linkUp(peer);
    if (r.status !== 'joined') return;
    r.roles.linkUp(peer);
    this.fingers.offerLink(peer);
    if (peer === this.claimTo) this.sendClaim(peer);
    if (this.lost.recovered(peer)) return;
    if (peer === r.state.succs[0]) this.stabilize(0);
  }

  linkDown(peer: PeerId, reason: LinkDownReason): void {
    const r = this.r;
    const s = r.state;
    r.roles.linkDown(peer);
    s.contacts.delete(peer);
    this.fingers.offerLink(peer);
    if (r.status === 'joining') return this.join.linkDown(peer);
    if (r.status !== 'joined') return;
    this.fingers.dropPeer(peer);
    const neighbour = peer === s.succs[0] || peer === s.pred;
    // A failure, or a neighbour gone for any reason: back to the base pace of repair.
    if (neighbour || linkFailed(reason)) this.stabilizer.busy();
    if (!linkFailed(reason) && !neighbour) {
      // Alive but closing on us (its link cap): leave it alone for a while.
      if (reason !== 'closed') r.refused.add(peer, r.clock.now() + r.config.refusedBackoffMs);
      return;
    }
    const wasSucc = peer === s.succs[0];
    this.forget(peer);
    if (neighbour) this.lost.remember(peer, linkFailed(reason));
    // Stabilize with the successor that took its place now, not at the next tick (if a round is
    // in flight, the next one follows it at once).
    if (wasSucc && s.succs[0] !== undefined && s.succs[0] !== peer) this.stabilize(0);
  }

  /** Our finger turned us down (no room): try the peer after it (alt), or search the slot again soon. */
  fingerRefused(peer: PeerId, alt: PeerId | null = null): void {
    this.r.refused.add(peer, this.r.clock.now() + this.r.config.refusedBackoffMs);
    const k = this.r.state.fingerSlotOf(peer);
    this.fingers.dropPeer(peer);
    this.r.roles.update(peer);
    if (k >= 0 && alt !== null) this.fingers.tryNext(k, alt);
  }

  /** Links this ring is about to need: empty finger slots and successors not linked yet. */
  pendingLinks(): number {
    const s = this.r.state;
    let n = this.fingers.pending();
    for (let i = 0; i < LINKED_SUCCESSORS && i < s.succs.length; i++) if (!this.r.mux.isLinked(s.succs[i]!)) n++;
    return n;
  }

  /** @internal Forget a peer that failed or left, emitting the events that follow. */
  forget(peer: PeerId): void {
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
    // Stabilize at the base pace until things settle, when the change is near us: our linked
    // successors. A change farther down the list (a peer joined or left a few places on) is
    // passed on to our predecessor at our next round whatever its pace, and speeding up for it
    // cost a quarter of all stabilize frames while a large ring grows (20,000 peers: 23 rounds a
    // peer against 31, joinStabilizeMs no slower, convergence within 0.2 s).
    const near = linked.length !== before.length || linked.some((p, i) => p !== before[i]);
    if (near) this.stabilizer.busy();
    const now = r.clock.now();
    for (const p of linked) {
      if (r.mux.isLinked(p)) r.roles.update(p);
      else if (p === s.succs[0] || !r.refused.has(p, now)) r.mux.connect(p);
    }
    for (const p of before) if (!linked.includes(p)) r.roles.update(p);
  }

  applyPred(p: PeerId | null): void {
    const r = this.r;
    // Our predecessor failed or left without one to name: a peer that notified us meanwhile takes its place.
    if (p === null) p = this.stabilizer.takeStandIn();
    const old = r.state.setPred(p);
    if (old === undefined) return;
    this.stabilizer.predChanged();
    if (p !== null) r.roles.update(p);
    r.events.emit('predecessor-changed', { from: old, to: p });
    if (p !== null) {
      r.events.emit('range-changed', { from: old === null ? null : { start: old, end: r.self }, to: { start: p, end: r.self } });
      this.checkJoined();
    }
    if (old !== null) r.roles.update(old);
  }

  /** @internal Our successor answered a stabilize naming us its predecessor. */
  successorConfirmed(): void {
    if (this.succConfirmed) return;
    this.succConfirmed = true;
    this.checkJoined();
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
    if (!(e instanceof TimeoutError) || this.r.status !== 'joined') return;
    this.stabilizer.busy();
    this.relocator.relocate();
  }

  findSuccessor(
    key: Id,
    withFingers: boolean,
    timeoutMs: number | undefined,
    done: (e: Error | null, rep?: FindSuccRep) => void,
    redundant = false,
    exclude?: PeerId,
  ): void {
    const body = withFingers ? { fingers: true } : {};
    const opts = { redundant, ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(exclude === undefined ? {} : { exclude }) };
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
