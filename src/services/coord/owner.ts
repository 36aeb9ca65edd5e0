// The resource owner: decides CanI, Release and Renew for the resources whose key it owns, and
// replicates every grant and renewal to its REPL successors before it answers, so a successor
// that takes over knows every lease a holder was told about. Async, but every await is settled
// by an Env event (a reply or a request timeout).
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import { hashNameToId, type PeerId } from '../../core/id.js';
import type { Clock, TimerHandle } from '../../env/ports.js';
import { COORD_SVC, LEASE_MS, MAX_RESOURCES_PER_OWNER, RETRY_BACKOFF_MS, RPC_TIMEOUT_MS, TAKEOVER_MARGIN_MS } from './constants.js';
import { CanIBody, GrantAck, ReleaseBody, RenewBody, ReplicateReply, type RefuseReason, type Snapshot } from './messages.js';
import { ReplicaStore } from './replicas.js';
import { ResourceState, type WaiterRec } from './resource.js';
import type { CoordRing } from './ring-port.js';
import { type CoordStats } from './stats.js';

export interface OwnerConfig {
  replSuccessors: number;
  leaseMs: number;
}

export class CoordOwner {
  readonly states = new Map<string, ResourceState>();
  readonly replicas = new ReplicaStore();
  private readonly timers = new Map<string, TimerHandle>();
  /** Tokens whose replication is in flight: a retry of that CanI waits for the same outcome. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** When this peer's range last grew: keys it gained may have leases it cannot see until then + a lease. */
  rangeGrewAtMs: number;

  constructor(
    private readonly ring: CoordRing,
    private readonly clock: Clock,
    private readonly config: OwnerConfig,
    private readonly stats: CoordStats,
  ) {
    this.rangeGrewAtMs = clock.now();
  }

  private get waitMs(): number {
    return this.config.leaseMs + TAKEOVER_MARGIN_MS;
  }

  // ---- CanI ---------------------------------------------------------------------------------

  async onCanI(env: Envelope): Promise<void> {
    const receivedAtMs = this.clock.now();
    const c = check(CanIBody, env.body, 'coord can-i body');
    if (!c.ok) return this.bad(env, c.error.code, c.error.message);
    const b = c.value;
    const refuse = (reason: RefuseReason): void => void this.ring.reply(env, { type: 'refused', reqId: b.reqId, reason });
    if (!this.ring.owns(hashNameToId(b.name))) return refuse('not-owner');
    const state = this.stateFor(b.name, b.capacity);
    if (!state) return refuse('too-many-resources');
    if (state.capacity !== b.capacity) return refuse('capacity-mismatch');
    this.tick(state);
    const holder = env.src as PeerId;
    const d = state.request({ reqId: b.reqId, holder, waitMs: b.waitMs }, this.clock.now(), receivedAtMs, this.config.leaseMs);
    if (d.kind === 'refuse') return refuse(d.reason);
    if (d.kind === 'queued') {
      this.schedule(state);
      this.ring.reply(env, { type: 'queued', reqId: b.reqId, position: d.position });
      return;
    }
    const key = `${b.name}\u0000${d.lease.token}`;
    let pending = this.inFlight.get(key);
    if (d.fresh || !pending) {
      pending = this.replicate(state);
      this.inFlight.set(key, pending);
    }
    const ok = await pending;
    this.inFlight.delete(key);
    if (!ok) {
      state.revoke(d.lease.token);
      this.stats.replicationFailures++;
      return refuse('unavailable');
    }
    this.stats.grants++;
    this.schedule(state);
    this.ring.reply(env, { type: 'granted', reqId: b.reqId, token: d.lease.token, validMs: d.validMs });
  }

  onRelease(env: Envelope): void {
    const c = check(ReleaseBody, env.body, 'coord release body');
    if (!c.ok) return this.bad(env, c.error.code, c.error.message);
    const state = this.states.get(c.value.name);
    // A release for a resource we do not own is still acknowledged: the lease ends at its expiry.
    if (state?.release(c.value.token, env.src as PeerId)) this.tick(state);
    this.ring.reply(env, { type: 'released' });
  }

  async onRenew(env: Envelope): Promise<void> {
    const receivedAtMs = this.clock.now();
    const c = check(RenewBody, env.body, 'coord renew body');
    if (!c.ok) return this.bad(env, c.error.code, c.error.message);
    const state = this.states.get(c.value.name);
    const validMs = state?.renew(c.value.token, env.src as PeerId, this.clock.now(), receivedAtMs, this.config.leaseMs);
    if (!state || validMs === undefined) return void this.ring.reply(env, { type: 'refused', reqId: 0, reason: 'unknown-lease' });
    // The extension counts only once the successors know it: a new owner must never see a shorter lease.
    if (!(await this.replicate(state))) return void this.ring.reply(env, { type: 'refused', reqId: 0, reason: 'unavailable' });
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
      ? ResourceState.adopt(snap, this.ring.self, now, blockedUntilMs)
      : new ResourceState({ name, capacity, owner: this.ring.self, epoch: 0, token: 0, blockedUntilMs });
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
      this.states.set(snap.name, ResourceState.adopt(snap, this.ring.self, now, 0));
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
    const promos = state.promote(now, this.config.leaseMs);
    if (promos.length > 0) void this.deliverPromotions(state, promos.map((p) => ({ waiter: p.waiter, token: p.lease.token, validMs: p.validMs })));
    this.schedule(state);
  }

  private async deliverPromotions(state: ResourceState, promos: Array<{ waiter: WaiterRec; token: number; validMs: number }>): Promise<void> {
    const ok = await this.replicate(state);
    if (!ok) {
      // Put the waiters back at the head, in order, and try again shortly.
      for (const p of promos) state.revoke(p.token);
      state.queue.unshift(...promos.map((p) => p.waiter));
      this.stats.replicationFailures++;
      this.schedule(state, RETRY_BACKOFF_MS);
      return;
    }
    for (const p of promos) {
      this.stats.grants++;
      const body = { name: state.name, reqId: p.waiter.reqId, token: p.token, validMs: p.validMs };
      this.ring
        .request({ peer: p.waiter.holder }, COORD_SVC, 'grant', body, { timeoutMs: RPC_TIMEOUT_MS })
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

  // ---- replication --------------------------------------------------------------------------

  /**
   * Send the state to the first replSuccessors successors and wait for all of them. A conflict
   * reply carries leases we did not know: they are absorbed (counted) and the attempt fails, so
   * the caller refuses and the solicitor retries against the merged state.
   */
  async replicate(state: ResourceState): Promise<boolean> {
    const n = this.config.replSuccessors;
    if (n === 0) return true;
    const targets = [...new Set(this.ring.successors())].filter((p) => p !== this.ring.self).slice(0, n);
    if (targets.length < n) return false;
    const snap = state.snapshot(this.clock.now());
    this.stats.replicatesSent += targets.length;
    const replies = await Promise.all(
      targets.map((peer) =>
        this.ring
          .request({ peer }, COORD_SVC, 'replicate', { snap }, { timeoutMs: RPC_TIMEOUT_MS })
          .then((env) => check(ReplicateReply, env.body, 'coord replicate reply'))
          .catch(() => undefined),
      ),
    );
    let ok = true;
    for (const r of replies) {
      if (!r?.ok || r.value.type === 'error') ok = false;
      else if (r.value.type === 'conflict') {
        ok = false;
        this.stats.conflicts++;
        state.absorb(r.value.snap, this.clock.now());
      }
    }
    return ok;
  }

  private bad(env: Envelope, code: string, message: string): void {
    this.stats.badBodies++;
    this.ring.reply(env, { type: 'error', code, message: message.slice(0, 1000) });
  }
}
