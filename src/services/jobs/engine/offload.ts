// Offload (seed 000 section 4.4): a map task goes to a peer that holds its input, and a holder
// that is busy hands tasks it cannot start soon to an idle neighbour that answers its probe. The
// attempt stays the same: its answer goes to the job's key, and the keeper takes it from whichever
// peer ran it (it names the attempt, not the worker); the input is then read from the holders
// over the ring, which the job's locality share counts.
import { check } from '../../../core/codec.js';
import type { PeerId } from '../../../core/id.js';
import type { Clock } from '../../../env/ports.js';
import type { RingPort } from '../../../overlay/port.js';
import { Type } from '@sinclair/typebox';
import { JOBS_SVC } from './constants.js';
import { RunReply, type RunPhase, type RunTask } from './messages.js';
import type { NoTaskPeers } from './no-tasks.js';

/** Neighbours probed in one round (the ring's nearest peers: one hop away). */
const PROBE_FANOUT = 3;
/**
 * How long a worker waits after a round found nobody idle before it probes again: doubling from
 * the first to the last while rounds find nobody, so a busy ring is not flooded with probes, and
 * back to the first after a round that handed tasks over.
 */
const PROBE_BACKOFF_FIRST_MS = 100;
const PROBE_BACKOFF_MAX_MS = 5000;
/** Jobs whose offload targets a worker remembers (to forward a cancel); the oldest is dropped past it. */
const MAX_REMEMBERED_JOBS = 1024;
/** Tasks handed to one neighbour that a worker remembers (to answer them lost if it crashes); the oldest are dropped. */
const MAX_HANDED_TASKS = 256;

/** A neighbour's answer to a probe: how many tasks it would start at once. */
export const ProbeReply = Type.Object({ type: Type.Literal('probe'), room: Type.Integer({ minimum: 0, maximum: 64 }) }, { additionalProperties: false });

/** A queued task that may be handed over. */
export interface Offloadable {
  jobId: string;
  user: string;
  phase: RunPhase;
  task: RunTask;
}

export class Offloader {
  private probing = false;
  private quietUntilMs = 0;
  private backoffMs = PROBE_BACKOFF_FIRST_MS;
  /** A round is due after the backoff (tasks still waited when the last one found nobody). */
  private armed = false;
  /** Tasks handed to a neighbour, for tests and /metrics. */
  offloaded = 0;
  /** The neighbours each job's tasks were handed to: a cancel of the job is passed on to them. */
  private readonly handedTo = new Map<string, Set<PeerId>>();
  /**
   * The tasks handed to each neighbour lately. The keeper knows only this worker as their worker,
   * so if the neighbour crashes this worker answers them lost (and they are retried) rather than
   * letting them wait for their timeout. A task the neighbour already answered is refused then.
   */
  private readonly handed = new Map<PeerId, Offloadable[]>();

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly rpcTimeoutMs: number,
    /** Peers that said they run no tasks (no-tasks.ts): never probed. */
    private readonly noTasks?: NoTaskPeers,
  ) {}

  /**
   * Probe the neighbours when tasks wait that the worker cannot start, and hand up to each idle
   * one's room to it (`take` removes them from the queue, `giveBack` returns one a neighbour did
   * not take). At most one round at a time, and none for a while after a round found nobody idle.
   */
  async round(waiting: () => number, take: (n: number) => Offloadable[], giveBack: (q: Offloadable) => void): Promise<void> {
    if (this.probing || this.clock.now() < this.quietUntilMs || waiting() === 0) return;
    this.probing = true;
    try {
      const peers = this.neighbours();
      const answers = await Promise.all(peers.map((peer) => this.probe(peer)));
      let gave = 0;
      for (const [i, room] of answers.entries()) {
        const tasks = take(Math.min(room, waiting()));
        if (tasks.length === 0) continue;
        gave += tasks.length;
        await this.hand(peers[i]!, tasks, giveBack);
      }
      if (gave > 0) this.backoffMs = PROBE_BACKOFF_FIRST_MS;
      else {
        this.quietUntilMs = this.clock.now() + this.backoffMs;
        if (!this.armed) {
          this.armed = true;
          this.clock.setTimer(this.backoffMs, () => {
            this.armed = false;
            void this.round(waiting, take, giveBack);
          });
        }
        this.backoffMs = Math.min(PROBE_BACKOFF_MAX_MS, 2 * this.backoffMs);
      }
    } finally {
      this.probing = false;
    }
  }

  private neighbours(): PeerId[] {
    const pred = this.ring.predecessor();
    const near = [...this.ring.successors(), ...(pred ? [pred] : [])].filter((p) => p !== this.ring.self && this.noTasks?.has(p) !== true);
    return [...new Set(near)].slice(0, PROBE_FANOUT);
  }

  private async probe(peer: PeerId): Promise<number> {
    const r = await this.ring
      .request({ peer }, JOBS_SVC, 'probe', {}, { timeoutMs: this.rpcTimeoutMs })
      .then((env) => check(ProbeReply, env.body, 'jobs probe reply'))
      .catch(() => undefined);
    return r?.ok ? r.value.room : 0;
  }

  /** One run frame per job to the neighbour; the tasks it does not take go back to the queue. */
  private async hand(peer: PeerId, tasks: Offloadable[], giveBack: (q: Offloadable) => void): Promise<void> {
    const byJob = new Map<string, Offloadable[]>();
    for (const t of tasks) byJob.set(t.jobId, [...(byJob.get(t.jobId) ?? []), t]);
    for (const [jobId, list] of byJob) {
      const phases = [...new Map(list.map((t) => [t.phase.phase, t.phase])).values()];
      const r = await this.ring
        .request({ peer }, JOBS_SVC, 'run', { jobId, user: list[0]!.user, phases, tasks: list.map((t) => t.task) }, { timeoutMs: this.rpcTimeoutMs })
        .then((env) => check(RunReply, env.body, 'jobs run reply'))
        .catch(() => undefined);
      if (r?.ok && r.value.type === 'accepted') {
        this.offloaded += list.length;
        this.remember(jobId, peer);
        const held = this.handed.get(peer) ?? [];
        held.push(...list);
        this.handed.set(peer, held.slice(-MAX_HANDED_TASKS));
      } else for (const t of list) giveBack(t);
    }
  }

  private remember(jobId: string, peer: PeerId): void {
    let set = this.handedTo.get(jobId);
    if (set === undefined) {
      if (this.handedTo.size >= MAX_REMEMBERED_JOBS) this.handedTo.delete(this.handedTo.keys().next().value!);
      this.handedTo.set(jobId, (set = new Set()));
    }
    set.add(peer);
  }

  /** A neighbour crashed: the tasks handed to it, which this worker answers lost. */
  lost(peer: PeerId): Offloadable[] {
    const list = this.handed.get(peer) ?? [];
    this.handed.delete(peer);
    return list;
  }

  /** The job was cancelled: the neighbours running its tasks are told too. */
  cancel(jobId: string): void {
    for (const peer of this.handedTo.get(jobId) ?? []) this.ring.send(peer, JOBS_SVC, 'cancel-run', { jobId });
    this.handedTo.delete(jobId);
  }
}
