// Periodic upkeep of one ring and what follows from its life and its links: joining and taking
// our place, the one timer that drives every round, links coming and going, a neighbour leaving,
// lookups of our own. Successor list and predecessor changes are neighbours.ts's, stabilize and
// predecessor checks stabilize.ts's, finger upkeep fingers/'s, the join handshake join.ts's,
// relocation relocate.ts's, meeting another ring meet.ts's.
import { check } from '../core/codec.js';
import { SchemaMismatchError, TimeoutError } from '../core/errors.js';
import type { Id, PeerId } from '../core/id.js';
import type { LinkDownReason, TimerHandle } from '../env/ports.js';
import { CHORD_SVC, LINK_GRACE_MS, LINKED_SUCCESSORS } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import type { FingerAnswers, Fingers } from './fingers/index.js';
import type { Join, JoinAnswer } from './join.js';
import type { LostPeers } from './lost.js';
import type { Meetings } from './meet.js';
import type { Neighbours } from './neighbours.js';
import type { Relocator } from './relocate.js';
import type { LinkRoles } from './roles.js';
import { FindSuccRep, type LeaveMsg } from './schemas.js';
import type { Stabilizer } from './stabilize.js';
import type { Attachment } from './attach.js';

/** Link-down reasons that mean "alive but not talking to us", as opposed to a failure. */
const DELIBERATE: ReadonlySet<LinkDownReason> = new Set(['remote-closed', 'refused', 'closed']);

/** Did the link go down because the peer or the path failed (not closed by either side)? */
export function linkFailed(reason: LinkDownReason): boolean {
  return !DELIBERATE.has(reason);
}

export type MaintenanceContext = Pick<RingContext, 'self' | 'config' | 'clock' | 'rng' | 'events' | 'state' | 'refused' | 'status' | 'setStatus' | 'send' | 'sendLinked' | 'call'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'connect' | 'links'>;
  readonly join: Pick<Join, 'start' | 'linkUp' | 'linkDown' | 'stop'>;
  readonly neighbours: Pick<Neighbours, 'applySuccessors' | 'applyPred' | 'forget' | 'checkJoined'>;
  readonly stabilizer: Pick<Stabilizer, 'tick' | 'stabilize' | 'busy' | 'checkPredecessor'>;
  readonly fingers: Pick<Fingers, 'tick' | 'seed' | 'dropPeer' | 'tryNext' | 'pending' | 'heldBy'>;
  readonly fingerAnswers: Pick<FingerAnswers, 'offerLink'>;
  readonly roles: Pick<LinkRoles, 'linkUp' | 'linkDown' | 'release' | 'update'>;
  readonly lost: Pick<LostPeers, 'probe' | 'recovered' | 'remember'>;
  readonly meetings: Pick<Meetings, 'tick' | 'linkUp' | 'linkDown'>;
  readonly relocator: Pick<Relocator, 'tick' | 'relocate'>;
  readonly attachment: Pick<Attachment, 'attached' | 'tick' | 'lost' | 'refresh'>;
};

export class Maintenance {
  private readonly timers: TimerHandle[] = [];
  private ticks = 0;
  /** Our predecessor-to-be, learned at join: told that we precede its successor once linked. */
  private claimTo: PeerId | null = null;

  constructor(private readonly ctx: MaintenanceContext) {}

  // ---- join ------------------------------------------------------------------------------

  start(bootstrap: PeerId | null): Promise<void> {
    if (bootstrap !== null) return this.ctx.join.start(bootstrap);
    this.ctx.setStatus('joined');
    this.startTimers();
    this.ctx.neighbours.checkJoined();
    return Promise.resolve();
  }

  /** The bootstrap answered our join (join.ts): we are a member, and know our successor. */
  joined(a: JoinAnswer): void {
    this.ctx.setStatus('joined');
    if (this.ctx.state.attached) {
      this.startTimers();
      return this.ctx.attachment.attached(a.owner, a.succs);
    }
    this.ctx.neighbours.applySuccessors([a.owner, ...a.succs]);
    this.ctx.fingers.seed(a.succs);
    this.startTimers();
    this.takePlace(a.owner, a.succs, a.pred);
  }

  /** Our successor is owner (from a lookup of our id): stabilize with it and tell its predecessor. */
  takePlace(owner: PeerId, succs: PeerId[], pred: PeerId | null): void {
    const ctx = this.ctx;
    ctx.neighbours.applySuccessors([owner, ...succs]);
    if (ctx.mux.isLinked(owner)) ctx.stabilizer.stabilize(0);
    // Our successor's predecessor precedes us now: tell it at once instead of waiting for its
    // next stabilize round, so a joiner is in place within one period.
    this.claimPlace(pred, owner);
  }

  /** Tell pred, the predecessor of owner, that we sit between them (once linked to it). */
  claimPlace(pred: PeerId | null, owner: PeerId): void {
    const ctx = this.ctx;
    if (pred === null || pred === ctx.self || pred === owner) return;
    this.claimTo = pred;
    if (ctx.mux.isLinked(pred)) this.sendClaim(pred);
    else ctx.mux.connect(pred);
  }

  private sendClaim(p: PeerId): void {
    this.claimTo = null;
    this.ctx.send(p, CHORD_SVC, 'hint', { succ: this.ctx.self });
  }

  // ---- timers ----------------------------------------------------------------------------

  /**
   * One timer per peer drives all upkeep, every stabilize period; finger repair and predecessor
   * checks run every so many periods (their intervals are rounded to whole periods). One timer
   * instead of three is a third of the events a simulation of 100,000 peers has to schedule.
   */
  private startTimers(): void {
    const ctx = this.ctx;
    const c = ctx.config;
    const periods = (ms: number) => Math.max(1, Math.round(ms / c.stabilizeIntervalMs));
    const sweepEvery = periods(LINK_GRACE_MS);
    const fingersEvery = periods(c.fixFingersIntervalMs);
    const predEvery = periods(c.checkPredecessorIntervalMs);
    if (ctx.state.attached) {
      // Beside the ring: no place to keep, no fingers, no predecessor; only links to the ring.
      return this.every(c.stabilizeIntervalMs, () => {
        ctx.attachment.tick();
        if (++this.ticks % sweepEvery === 0) for (const p of ctx.mux.links()) ctx.roles.release(p, false);
      });
    }
    this.every(c.stabilizeIntervalMs, () => {
      const t = ++this.ticks;
      ctx.stabilizer.tick();
      ctx.lost.probe();
      ctx.meetings.tick();
      ctx.relocator.tick();
      if (t % fingersEvery === 0) ctx.fingers.tick();
      if (t % predEvery === 0) ctx.stabilizer.checkPredecessor();
      if (t % sweepEvery === 0) for (const p of ctx.mux.links()) ctx.roles.release(p, false);
    });
  }

  /**
   * Run fn every intervalMs from a random phase, so peers do not tick in lockstep. One callback
   * serves every period (a closure made per period would live a whole period, and in a large
   * simulation be promoted to the old heap as garbage).
   */
  private every(intervalMs: number, fn: () => void): void {
    const ctx = this.ctx;
    const slot = this.timers.length;
    const tick = (): void => {
      if (ctx.status === 'stopped') return;
      this.timers[slot] = ctx.clock.setTimer(intervalMs, tick);
      fn();
    };
    this.timers[slot] = ctx.clock.setTimer(1 + ctx.rng.int(intervalMs), tick);
  }

  stop(): void {
    for (const t of this.timers) this.ctx.clock.cancel(t);
    this.timers.length = 0;
    this.ctx.join.stop();
  }

  // ---- leaving -----------------------------------------------------------------------------

  /** A neighbour leaves gracefully and hands over its own neighbours. */
  peerLeft(src: PeerId, msg: LeaveMsg): void {
    const ctx = this.ctx;
    const s = ctx.state;
    const neighbour = src === s.pred || s.succs.includes(src);
    // A predecessor that names none is dropped by applyPred, which tells the services itself.
    const told = src === s.pred && msg.pred === null;
    if (src === s.pred) ctx.neighbours.applyPred(msg.pred, false);
    const i = s.succs.indexOf(src);
    if (i >= 0) ctx.neighbours.applySuccessors([...s.succs.slice(0, i), ...msg.succs]);
    ctx.neighbours.forget(src, false);
    ctx.fingers.dropPeer(src);
    if (neighbour && !told) ctx.events.emit('peer-gone', { peer: src, failed: false });
    if (i === 0) ctx.stabilizer.stabilize(0);
  }

  /**
   * Hand our neighbours over to each other, and tell every other peer that routes through us
   * to stop: a message sent to a peer that has left is lost until its link goes down.
   */
  sendLeave(): void {
    const ctx = this.ctx;
    const s = ctx.state;
    // An attached peer has no place to hand over: its links simply close.
    if (s.attached) return;
    const body = { pred: s.pred, succs: s.succs };
    if (s.succs[0] !== undefined) ctx.send(s.succs[0], CHORD_SVC, 'leave', body);
    if (s.pred !== null && s.pred !== s.succs[0]) ctx.send(s.pred, CHORD_SVC, 'leave', body);
    for (const p of s.contacts.keys()) if (p !== s.pred && p !== s.succs[0]) ctx.sendLinked(p, CHORD_SVC, 'leave', body);
  }

  // ---- links -----------------------------------------------------------------------------

  linkUp(peer: PeerId): void {
    const ctx = this.ctx;
    if (ctx.status === 'joining') return ctx.join.linkUp(peer);
    if (ctx.status !== 'joined') return;
    ctx.roles.linkUp(peer);
    if (ctx.state.attached) return;
    ctx.fingerAnswers.offerLink(peer);
    if (peer === this.claimTo) this.sendClaim(peer);
    ctx.meetings.linkUp(peer);
    if (ctx.lost.recovered(peer)) return;
    if (peer === ctx.state.succs[0]) ctx.stabilizer.stabilize(0);
  }

  linkDown(peer: PeerId, reason: LinkDownReason): void {
    const ctx = this.ctx;
    const s = ctx.state;
    ctx.roles.linkDown(peer);
    s.contacts.delete(peer);
    ctx.fingerAnswers.offerLink(peer);
    if (ctx.status === 'joining') return ctx.join.linkDown(peer);
    if (ctx.status !== 'joined') return;
    if (s.attached) {
      if (!s.succs.includes(peer)) return;
      ctx.neighbours.forget(peer, linkFailed(reason));
      return ctx.attachment.lost(peer);
    }
    ctx.fingers.dropPeer(peer);
    ctx.meetings.linkDown(peer);
    const neighbour = peer === s.succs[0] || peer === s.pred;
    // A failure, or a neighbour gone for any reason: back to the base pace of repair.
    if (neighbour || linkFailed(reason)) ctx.stabilizer.busy();
    if (!linkFailed(reason) && !neighbour) {
      // Alive but closing on us (its link cap): leave it alone for a while.
      if (reason !== 'closed') ctx.refused.add(peer, ctx.clock.now() + ctx.config.refusedBackoffMs);
      return;
    }
    const wasSucc = peer === s.succs[0];
    ctx.neighbours.forget(peer, linkFailed(reason));
    if (neighbour) ctx.lost.remember(peer, linkFailed(reason));
    // Stabilize with the successor that took its place now, not at the next tick (if a round is
    // in flight, the next one follows it at once).
    if (wasSucc && s.succs[0] !== undefined && s.succs[0] !== peer) ctx.stabilizer.stabilize(0);
  }

  /** Our finger turned us down (no room): try the peer after it (alt), or search the slot again soon. */
  fingerRefused(peer: PeerId, alt: PeerId | null = null): void {
    const ctx = this.ctx;
    ctx.refused.add(peer, ctx.clock.now() + ctx.config.refusedBackoffMs);
    const k = ctx.fingers.heldBy(peer);
    ctx.fingers.dropPeer(peer);
    ctx.roles.update(peer);
    if (k >= 0 && alt !== null) ctx.fingers.tryNext(k, alt);
  }

  /** Links this ring is about to need: empty finger slots and successors not linked yet. */
  pendingLinks(): number {
    const s = this.ctx.state;
    let n = this.ctx.fingers.pending();
    for (let i = 0; i < LINKED_SUCCESSORS && i < s.succs.length; i++) if (!this.ctx.mux.isLinked(s.succs[i]!)) n++;
    return n;
  }

  // ---- lookups ---------------------------------------------------------------------------

  /**
   * A routed request of ours timed out. Its answer is routed back to our id, so a ring that
   * passes us by loses every answer: check our place (at most once per cooldown).
   */
  lookupFailed(e: Error): void {
    if (!(e instanceof TimeoutError) || this.ctx.status !== 'joined') return;
    if (this.ctx.state.attached) return this.ctx.attachment.refresh();
    this.ctx.stabilizer.busy();
    this.ctx.relocator.relocate();
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
    this.ctx.call(key, CHORD_SVC, 'find-succ', body, opts, (e, env) => {
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
