// Replication of an owner's structure to its first REPL_SUCCESSORS successors, both sides. The
// owner waits for every replica before it answers a grant or a renewal, and a replica acks only
// what its own view of the ring supports (ownership.ts): the copy must come from the peer it sees
// as the key's owner, through the successor chain it sees itself in. A copy that would make a
// replica forget a lease it holds is answered with that copy instead (replicas.ts).
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import { hashNameToId, type PeerId } from '../../core/id.js';
import type { Clock } from '../../env/ports.js';
import { COORD_SVC, RPC_TIMEOUT_MS } from './constants.js';
import { ReplicateBody, ReplicateReply } from './messages.js';
import { vouches, type NeighbourView } from './ownership.js';
import type { ReplicaStore } from './replicas.js';
import type { ResourceState } from './resource.js';
import type { CoordRing } from './ring-port.js';
import type { CoordStats } from './stats.js';

export function neighbourView(ring: CoordRing): NeighbourView {
  return { self: ring.self, pred: ring.predecessor(), succs: ring.successors() };
}

/** The first n distinct successors other than ourselves, or undefined if there are fewer. */
export function replicaTargets(ring: CoordRing, n: number): PeerId[] | undefined {
  const targets = [...new Set(ring.successors())].filter((p) => p !== ring.self).slice(0, n);
  return targets.length < n ? undefined : targets;
}

/** Callers waiting for the next round of one resource, and whether a round is on the wire. */
interface Rounds {
  inFlight: boolean;
  waiters: Array<(ok: boolean) => void>;
}

export class Replicator {
  private readonly rounds = new Map<ResourceState, Rounds>();

  constructor(
    private readonly ring: CoordRing,
    private readonly clock: Clock,
    private readonly replSuccessors: number,
    private readonly stats: CoordStats,
    /** Is this still the owner's state of its resource (not dropped or handed off)? */
    private readonly isCurrent: (state: ResourceState) => boolean = () => true,
  ) {}

  /**
   * Resolves true once every replica acked a snapshot taken after this call, i.e. one that
   * contains every change the caller made before calling. Group commit: while a round is on the
   * wire, callers wait together for the next one, so one resource has one round in flight and a
   * busy owner sends one snapshot per round trip instead of one per grant.
   */
  replicate(state: ResourceState): Promise<boolean> {
    let r = this.rounds.get(state);
    if (!r) {
      r = { inFlight: false, waiters: [] };
      this.rounds.set(state, r);
    }
    const rounds = r;
    const done = new Promise<boolean>((resolve) => rounds.waiters.push(resolve));
    if (!rounds.inFlight) this.pump(state, rounds);
    return done;
  }

  private pump(state: ResourceState, r: Rounds): void {
    const batch = r.waiters.splice(0);
    if (batch.length === 0) return void this.rounds.delete(state);
    r.inFlight = true;
    // A state that was dropped or handed over meanwhile must not vouch for new grants.
    const round = this.isCurrent(state) ? this.round(state) : Promise.resolve(false);
    void round.then((ok) => {
      r.inFlight = false;
      for (const resolve of batch) resolve(ok);
      this.pump(state, r);
    });
  }

  /**
   * Send the state to the replicas and wait for all of them. A conflict reply carries leases we did
   * not know: they are absorbed (counted) and the attempt fails, so the caller refuses and the
   * solicitor retries against the merged state. A refusal means a replica does not see us as the
   * owner: we may be stale, so we fail too.
   */
  private async round(state: ResourceState): Promise<boolean> {
    const n = this.replSuccessors;
    if (n === 0) return true;
    const targets = replicaTargets(this.ring, n);
    const pred = this.ring.predecessor();
    if (!targets || pred === null) return false;
    const snap = state.snapshot(this.clock.now());
    this.stats.replicatesSent += targets.length;
    const replies = await Promise.all(
      targets.map((peer) =>
        this.ring
          .request({ peer }, COORD_SVC, 'replicate', { snap, pred, targets }, { timeoutMs: RPC_TIMEOUT_MS })
          .then((env) => check(ReplicateReply, env.body, 'coord replicate reply'))
          .catch(() => undefined),
      ),
    );
    let ok = true;
    for (const r of replies) {
      if (!r?.ok || r.value.type === 'error') ok = false;
      else if (r.value.type === 'refused') {
        ok = false;
        this.stats.replicasRefused++;
      } else if (r.value.type === 'conflict') {
        ok = false;
        this.stats.conflicts++;
        state.absorb(r.value.snap, this.clock.now());
      }
    }
    return ok;
  }
}

/**
 * A replica's side. If we own the resource ourselves the sender is stale: we count its leases and
 * show it our state. If our view does not put the sender where it claims to be, we refuse.
 */
export function onReplicate(env: Envelope, ring: CoordRing, clock: Clock, replicas: ReplicaStore, mine: (name: string) => ResourceState | undefined, stats: CoordStats): void {
  const c = check(ReplicateBody, env.body, 'coord replicate body');
  if (!c.ok) {
    stats.badBodies++;
    return void ring.reply(env, { type: 'error', code: c.error.code, message: c.error.message.slice(0, 1000) });
  }
  const { snap, pred, targets } = c.value;
  const now = clock.now();
  const key = hashNameToId(snap.name);
  const own = mine(snap.name);
  if (own && ring.owns(key)) {
    own.absorb(snap, now);
    return void ring.reply(env, { type: 'conflict', snap: own.snapshot(now) });
  }
  if (!vouches(neighbourView(ring), key, env.src as PeerId, pred as PeerId, targets as PeerId[])) {
    return void ring.reply(env, { type: 'refused', reqId: 0, reason: 'not-owner' });
  }
  const r = replicas.offer(snap, env.src as PeerId, now);
  ring.reply(env, r.kind === 'ack' ? { type: 'ack' } : { type: 'conflict', snap: r.snap });
}
