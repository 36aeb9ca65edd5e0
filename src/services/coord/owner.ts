// The resource owner: decides CanI, Release and Renew for the resources whose key it owns, and
// replicates every grant and renewal to its REPL successors before it answers, so a successor
// that takes over knows every lease a holder was told about. Async, but every await is settled
// by an Env event (a reply or a request timeout).
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import type { PeerId } from '../../core/id.js';
import { resourceKey } from './keys.js';
import type { Clock, Rng, TimerHandle } from '../../env/ports.js';
import { COORD_SVC, MAX_RESOURCES_PER_OWNER, RETRY_BACKOFF_MS, TAKEOVER_MARGIN_MS } from './constants.js';
import type { CoordSettings } from './settings.js';
import { BatchBody, CanIBody, GrantAck, ReleaseBody, RenewBody, type BatchItemReply, type CanIAnswer, type RefuseReason, type Snapshot } from './messages.js';
import { checkedBody } from './checked.js';
import { PredConfirm } from './confirm.js';
import { selfOwns } from './ownership.js';
import { ReplicaStore } from './replicas.js';
import { neighbourView, Replicator } from './replication.js';
import { ResourceState, type LeaseRec, type WaiterRec } from './resource.js';
import type { RingPort } from '../../overlay/port.js';
import { type CoordStats } from './stats.js';

export class CoordOwner {
  readonly states = new Map<string, ResourceState>();
  readonly replicas = new ReplicaStore();
  private readonly timers = new Map<string, TimerHandle>();
  /** Tokens whose replication is in flight: a retry of that CanI waits for the same outcome. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** When this peer's range last grew: keys it gained may have leases it cannot see until then + a lease. */
  rangeGrewAtMs: number;
  private lastView: { pred: PeerId | null; succs: readonly PeerId[]; coherent: boolean } | undefined;
  private readonly replicator: Replicator;
  readonly confirm: PredConfirm;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly config: CoordSettings,
    private readonly stats: CoordStats,
  ) {
    this.rangeGrewAtMs = clock.now();
    this.replicator = new Replicator(ring, clock, config, stats, (s) => this.states.get(s.name) === s);
    this.confirm = new PredConfirm(ring, clock, config, stats);
  }

  private newEpoch(): number {
    return this.rng.int(Number.MAX_SAFE_INTEGER);
  }

  /** Does our own view make us this resource's owner? Granting also needs confirmed(). */
  owns(name: string): boolean {
    if (!this.ring.owns(resourceKey(name))) return false;
    // The coherence of our neighbourhood changes only when it does: judged once per view.
    const view = neighbourView(this.ring);
    const last = this.lastView;
    if (last && last.pred === view.pred && last.succs.length === view.succs.length && last.succs.every((s, i) => s === view.succs[i])) return last.coherent;
    const ok = selfOwns(view, true);
    this.lastView = { pred: view.pred, succs: view.succs, coherent: ok };
    return ok;
  }

  private get waitMs(): number {
    return this.config.leaseMs + TAKEOVER_MARGIN_MS;
  }

  // ---- CanI ---------------------------------------------------------------------------------

  async onCanI(env: Envelope): Promise<void> {
    const receivedAtMs = this.clock.now();
    const b = checkedBody(CanIBody, env, 'coord can-i body', this.ring, this.stats);
    if (b === null) return;
    this.ring.reply(env, await this.decideCanI(env.src, b, receivedAtMs));
  }

  /** The answer to one checked CanI from holder, received at receivedAtMs. */
  async decideCanI(holder: PeerId, b: CanIBody, receivedAtMs: number): Promise<CanIAnswer> {
    const refuse = (reason: RefuseReason): CanIAnswer => ({ type: 'refused', reqId: b.reqId, reason });
    if (!this.owns(b.name)) return refuse('not-owner');
    // Our predecessor must confirm us before we decide anything (confirm.ts).
    if (!(await this.confirm.ensure()) || !this.owns(b.name)) return refuse('unavailable');
    const state = this.stateFor(b.name, b.capacity);
    if (!state) return refuse('too-many-resources');
    if (state.capacity !== b.capacity) return refuse('capacity-mismatch');
    this.tick(state);
    if (!this.confirm.confirmed()) return refuse('unavailable');
    state.learnToken(b.seenToken);
    const d = state.request({ reqId: b.reqId, holder, waitMs: b.waitMs }, this.clock.now(), receivedAtMs, this.config.leaseMs);
    if (d.kind === 'refuse') return refuse(d.reason);
    if (d.kind === 'queued') {
      this.schedule(state);
      return { type: 'queued', reqId: b.reqId, position: d.position };
    }
    const key = `${b.name}\u0000${d.lease.token}`;
    let pending = this.inFlight.get(key);
    if (d.fresh || !pending) {
      pending = this.replicator.replicate(state);
      this.inFlight.set(key, pending);
    }
    const ok = await pending;
    this.inFlight.delete(key);
    // Leases absorbed while we waited (a handoff, a conflict) may leave no room for this one; and a
    // lease no longer in the state was not in the snapshot the replicas acked (group commit).
    if (!ok || state.leases.size > state.capacity || state.leases.get(d.lease.token) !== d.lease || d.lease.clash) {
      // Undo a lease nobody was told about. One granted before (this is a retry, or a waiter's
      // re-poll after its promotion was pushed) may be in use: it stays counted until it expires.
      if (d.fresh) state.revoke(d.lease.token, d.lease);
      this.stats.replicationFailures++;
      return refuse('unavailable');
    }
    this.stats.grants++;
    this.schedule(state);
    return { type: 'granted', reqId: b.reqId, token: d.lease.token, validMs: d.validMs };
  }

  onRelease(env: Envelope): void {
    const b = checkedBody(ReleaseBody, env, 'coord release body', this.ring, this.stats);
    if (b === null) return;
    this.release(env.src, b);
    this.ring.reply(env, { type: 'released' });
  }

  /** A holder gave its lease back. For a resource we do not own it is ignored: the lease ends at its expiry. */
  release(holder: PeerId, b: ReleaseBody): void {
    const state = this.states.get(b.name);
    if (state?.release(b.token, holder)) this.tick(state);
  }

  /**
   * Several CanIs and Releases from one solicitor in one frame (messages.ts BatchBody), answered
   * in one frame once every CanI in it is decided. Each item is decided exactly as if it came alone.
   */
  async onBatch(env: Envelope): Promise<void> {
    const receivedAtMs = this.clock.now();
    const b = checkedBody(BatchBody, env, 'coord batch body', this.ring, this.stats);
    if (b === null) return;
    const holder = env.src;
    const replies = await Promise.all(
      b.items.map((it): Promise<BatchItemReply> | BatchItemReply => {
        if (it.op === 'can-i') return this.decideCanI(holder, it.body, receivedAtMs);
        this.release(holder, it.body);
        return { type: 'released' };
      }),
    );
    this.stats.batchesIn++;
    this.ring.reply(env, { type: 'batch', replies });
  }

  async onRenew(env: Envelope): Promise<void> {
    const receivedAtMs = this.clock.now();
    const b = checkedBody(RenewBody, env, 'coord renew body', this.ring, this.stats);
    if (b === null) return;
    const grantable = this.owns(b.name) && (await this.confirm.ensure()) && this.owns(b.name);
    const state = grantable ? this.states.get(b.name) : undefined;
    // Even a lease we do not know tells us a token that was granted.
    state?.learnToken(b.token);
    const validMs = state?.renew(b.token, env.src, this.clock.now(), receivedAtMs, this.config.leaseMs);
    if (!state || validMs === undefined) return void this.ring.reply(env, { type: 'refused', reqId: 0, reason: 'unknown-lease' });
    // The extension counts only once the successors know it: a new owner must never see a shorter lease.
    if (!(await this.replicator.replicate(state))) return void this.ring.reply(env, { type: 'refused', reqId: 0, reason: 'unavailable' });
    this.schedule(state);
    this.ring.reply(env, { type: 'renewed', validMs });
  }

  // ---- state lifecycle ----------------------------------------------------------------------

  /** The owner state of a resource we own, adopting a replica or starting fresh; undefined when full. */
  stateFor(name: string, capacity: number): ResourceState | undefined {
    const have = this.states.get(name);
    if (have) return have;
    if (this.states.size >= MAX_RESOURCES_PER_OWNER && !this.evictIdle()) return undefined;
    const now = this.clock.now();
    const snap = this.replicas.take(name, now);
    // Gaining a key means an old owner may have granted leases we never saw: wait them out.
    const blockedUntilMs = snap ? now + this.waitMs : this.rangeGrewAtMs + this.waitMs;
    const state = snap
      ? ResourceState.adopt(snap, this.ring.self, this.newEpoch(), now, blockedUntilMs)
      : new ResourceState({ name, capacity, owner: this.ring.self, epoch: this.newEpoch(), token: 0, blockedUntilMs });
    if (snap) this.stats.takeovers++;
    this.states.set(name, state);
    return state;
  }

  /** Clean handoff from the previous owner, which stopped granting before it sent this copy. */
  adoptHandoff(snap: Snapshot): void {
    const now = this.clock.now();
    this.replicas.take(snap.name, now);
    const have = this.states.get(snap.name);
    if (have) have.absorb(snap, now);
    else {
      if (this.states.size >= MAX_RESOURCES_PER_OWNER) this.evictIdle();
      this.states.set(snap.name, ResourceState.adopt(snap, this.ring.self, this.newEpoch(), now, 0));
    }
    this.stats.handoffsIn++;
    this.tick(this.states.get(snap.name)!);
  }

  private evictIdle(): boolean {
    for (const [name, s] of this.states) {
      if (s.isIdle()) {
        this.drop(name);
        return true;
      }
    }
    return false;
  }

  drop(name: string): void {
    this.states.delete(name);
    const t = this.timers.get(name);
    if (t !== undefined) this.clock.cancel(t);
    this.timers.delete(name);
  }

  // ---- time ---------------------------------------------------------------------------------

  /** Expire what ran out, tell timed-out waiters, and grant to the queue head if there is room. */
  tick(state: ResourceState): void {
    if (this.states.get(state.name) !== state) return;
    const now = this.clock.now();
    const gone = state.expire(now);
    for (const w of gone.waiters) this.tellRefused(state.name, w, 'wait-expired');
    // Waiters stay queued while our view does not make us the owner (the range change hands them
    // over) or our predecessor does not confirm us (we ask again, and retry shortly).
    const retry = state.queue.length > 0 ? RETRY_BACKOFF_MS : undefined;
    if (!this.owns(state.name)) return this.schedule(state, retry);
    if (!this.confirm.confirmed()) {
      if (retry !== undefined) void this.confirm.ensure();
      return this.schedule(state, retry);
    }
    state.blockedUntilMs = Math.max(state.blockedUntilMs, this.confirm.quietUntilMs);
    const promos = state.promote(now, this.config.leaseMs);
    if (promos.length > 0) void this.deliverPromotions(state, promos.map((p) => ({ waiter: p.waiter, lease: p.lease, token: p.lease.token, validMs: p.validMs })));
    this.schedule(state);
  }

  private async deliverPromotions(state: ResourceState, promos: Array<{ waiter: WaiterRec; lease: LeaseRec; token: number; validMs: number }>): Promise<void> {
    const ok = await this.replicator.replicate(state);
    // As for a CanI: leases absorbed meanwhile may leave no room, and nobody was told yet.
    if (!ok || state.leases.size > state.capacity) {
      // Put the waiters back at the head, in order, and try again shortly.
      for (const p of promos) state.revoke(p.token, p.lease);
      state.queue.unshift(...promos.map((p) => p.waiter));
      this.stats.replicationFailures++;
      this.schedule(state, RETRY_BACKOFF_MS);
      return;
    }
    for (const p of promos) {
      // Gone from the state (expired, or the state was replaced) meanwhile: not in what was acked.
      if (state.leases.get(p.token) !== p.lease) continue;
      // Its token clashes with another lineage's lease: never told, and the slot is freed.
      if (p.lease.clash) {
        state.revoke(p.token, p.lease);
        continue;
      }
      this.stats.grants++;
      const body = { name: state.name, reqId: p.waiter.reqId, token: p.token, validMs: p.validMs };
      this.ring
        .request({ peer: p.waiter.holder }, COORD_SVC, 'grant', body, { timeoutMs: this.config.rpcTimeoutMs })
        .then((reply) => {
          const r = check(GrantAck, reply.body, 'coord grant ack');
          // The solicitor gave up before the grant arrived: free the slot now, not at expiry.
          if (r.ok && r.value.type === 'unwanted' && state.release(p.token, p.waiter.holder)) this.tick(state);
        })
        .catch(() => undefined);
    }
  }

  schedule(state: ResourceState, retryInMs?: number): void {
    const now = this.clock.now();
    let at = state.nextDeadlineMs(now);
    if (retryInMs !== undefined) at = Math.min(at ?? Infinity, now + retryInMs);
    const old = this.timers.get(state.name);
    if (old !== undefined) this.clock.cancel(old);
    this.timers.delete(state.name);
    if (at === undefined) return;
    this.timers.set(state.name, this.clock.setTimer(Math.max(0, at - now), () => {
      this.timers.delete(state.name);
      this.tick(state);
    }));
  }

  private tellRefused(name: string, w: WaiterRec, reason: RefuseReason): void {
    this.ring.send(w.holder, COORD_SVC, 'refuse', { name, reqId: w.reqId, reason });
  }

}
