// Replication of an owner's structure to its first REPL_SUCCESSORS successors, both sides. The
// owner waits for every replica before it answers a grant or a renewal, and a replica acks only
// what its own view of the ring supports (ownership.ts): the copy must come from the peer it sees
// as the key's owner, through the successor chain it sees itself in. A copy that would make a
// replica forget a lease it holds is answered with that copy instead (replicas.ts).
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import type { PeerId } from '../../core/id.js';
import { resourceKey } from './keys.js';
import { checkedBody } from './checked.js';
import type { Clock } from '../../env/ports.js';
import { COORD_SVC, MAX_SNAPS_PER_FRAME } from './constants.js';
import type { CoordSettings } from './settings.js';
import { ReplicateBody, ReplicateManyBody, ReplicateManyReply, type ReplicaVerdict, type Snapshot } from './messages.js';
import { vouches, type NeighbourView } from './ownership.js';
import type { ReplicaStore } from './replicas.js';
import type { ResourceState } from './resource.js';
import type { RingPort } from '../../overlay/port.js';
import type { CoordStats } from './stats.js';

export function neighbourView(ring: RingPort): NeighbourView {
  return { self: ring.self, pred: ring.predecessor(), succs: ring.successors() };
}

/** The first n distinct successors other than ourselves, or undefined if there are fewer. */
export function replicaTargets(ring: RingPort, n: number): PeerId[] | undefined {
  const targets = [...new Set(ring.successors())].filter((p) => p !== ring.self).slice(0, n);
  return targets.length < n ? undefined : targets;
}

/** Estimated encoded bytes of a snapshot, to keep a replication frame well inside MAX_FRAME_BYTES. */
function snapBytes(s: Snapshot): number {
  return 200 + 110 * (s.leases.length + s.waiters.length);
}
const FRAME_BUDGET_BYTES = 40 * 1024;

export class Replicator {
  /** Callers waiting for the next round, per resource state. */
  private waiting = new Map<ResourceState, Array<(ok: boolean) => void>>();
  private inFlight = false;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly config: Pick<CoordSettings, 'replSuccessors' | 'rpcTimeoutMs'>,
    private readonly stats: CoordStats,
    /** Is this still the owner's state of its resource (not dropped or handed off)? */
    private readonly isCurrent: (state: ResourceState) => boolean = () => true,
  ) {}

  /**
   * Resolves true once every replica acked a snapshot of this state taken after this call, i.e. one
   * that contains every change the caller made before calling. Group commit: one round is on the
   * wire at a time for all of this owner's resources; callers arriving meanwhile wait together for
   * the next one, which carries a snapshot of every resource they changed in one frame per replica.
   */
  replicate(state: ResourceState): Promise<boolean> {
    let list = this.waiting.get(state);
    if (!list) {
      list = [];
      this.waiting.set(state, list);
    }
    const callers = list;
    const done = new Promise<boolean>((resolve) => callers.push(resolve));
    if (!this.inFlight) this.pump();
    return done;
  }

  private pump(): void {
    if (this.waiting.size === 0) return;
    const batch = this.waiting;
    this.waiting = new Map();
    this.inFlight = true;
    // A state that was dropped or handed over meanwhile must not vouch for new grants.
    const states = [...batch.keys()].filter((s) => this.isCurrent(s));
    void this.round(states).then((acked) => {
      this.inFlight = false;
      for (const [state, callers] of batch) {
        const ok = acked.has(state);
        for (const resolve of callers) resolve(ok);
      }
      this.pump();
    });
  }

  /**
   * Send the states to the replicas and wait for all of them; resolves to the states every replica
   * acked. A conflict reply carries leases we did not know: they are absorbed (counted) and that
   * state fails, so the caller refuses and the solicitor retries against the merged state. A
   * refusal means a replica does not see us as the owner: we may be stale, so that state fails too.
   */
  private async round(states: ResourceState[]): Promise<Set<ResourceState>> {
    const n = this.config.replSuccessors;
    if (n === 0 || states.length === 0) return new Set(states);
    const targets = replicaTargets(this.ring, n);
    const pred = this.ring.predecessor();
    if (!targets || pred === null) return new Set();
    const now = this.clock.now();
    // Frames of several snapshots each, within the frame budget and the schema's count limit.
    const frames: Array<Array<{ state: ResourceState; snap: Snapshot }>> = [];
    let bytes = Infinity;
    for (const state of states) {
      const snap = state.snapshot(now);
      const b = snapBytes(snap);
      const last = frames[frames.length - 1];
      if (!last || bytes + b > FRAME_BUDGET_BYTES || last.length >= MAX_SNAPS_PER_FRAME) {
        frames.push([{ state, snap }]);
        bytes = b;
      } else {
        last.push({ state, snap });
        bytes += b;
      }
    }
    const acked = new Set(states);
    await Promise.all(
      frames.flatMap((frame) =>
        targets.map(async (peer) => {
          this.stats.replicatesSent++;
          const results = await this.ring
            .request({ peer }, COORD_SVC, 'replicate-many', { snaps: frame.map((f) => f.snap), pred, targets }, { timeoutMs: this.config.rpcTimeoutMs })
            .then((env) => check(ReplicateManyReply, env.body, 'coord replicate-many reply'))
            .catch(() => undefined);
          const list = results?.ok && results.value.type === 'results' && results.value.results.length === frame.length ? results.value.results : undefined;
          frame.forEach(({ state }, i) => {
            const r = list?.[i];
            if (r === undefined) return void acked.delete(state);
            if (r.type === 'refused') {
              acked.delete(state);
              this.stats.replicasRefused++;
            } else if (r.type === 'conflict') {
              acked.delete(state);
              this.stats.conflicts++;
              state.absorb(r.snap, this.clock.now());
            }
          });
        }),
      ),
    );
    return acked;
  }
}

/**
 * A replica's side, for one snapshot. If we own the resource ourselves the sender is stale: we count
 * its leases and show it our state. If our view does not put the sender where it claims to be, we refuse.
 */
function verdict(snap: Snapshot, src: PeerId, pred: PeerId, targets: PeerId[], ring: RingPort, clock: Clock, replicas: ReplicaStore, mine: (name: string) => ResourceState | undefined): ReplicaVerdict {
  const now = clock.now();
  const key = resourceKey(snap.name);
  const own = mine(snap.name);
  if (own && ring.owns(key)) {
    own.absorb(snap, now);
    return { type: 'conflict', snap: own.snapshot(now) };
  }
  if (!vouches(neighbourView(ring), key, src, pred, targets)) return { type: 'refused', reqId: 0, reason: 'not-owner' };
  const r = replicas.offer(snap, src, now);
  return r.kind === 'ack' ? { type: 'ack' } : { type: 'conflict', snap: r.snap };
}

/** One snapshot (the single-resource form, kept for peers that send it). */
export function onReplicate(env: Envelope, ring: RingPort, clock: Clock, replicas: ReplicaStore, mine: (name: string) => ResourceState | undefined, stats: CoordStats): void {
  const body = checkedBody(ReplicateBody, env, 'coord replicate body', ring, stats);
  if (body === null) return;
  const { snap, pred, targets } = body;
  ring.reply(env, verdict(snap, env.src, pred, targets, ring, clock, replicas, mine));
}

/** Several resources' snapshots from one owner in one frame, answered in order. */
export function onReplicateMany(env: Envelope, ring: RingPort, clock: Clock, replicas: ReplicaStore, mine: (name: string) => ResourceState | undefined, stats: CoordStats): void {
  const body = checkedBody(ReplicateManyBody, env, 'coord replicate-many body', ring, stats);
  if (body === null) return;
  const { snaps, pred, targets } = body;
  const results = snaps.map((snap) => verdict(snap, env.src, pred, targets, ring, clock, replicas, mine));
  ring.reply(env, { type: 'results', results });
}
