// JobsService: the jobs engine of one peer over one ring. It wires the keeper (the jobs whose key
// this peer owns), the journal replicas it holds for its predecessors and the replicator to the
// ring; docs/jobs.md describes the protocol.
import type { Envelope } from '../../../core/envelope.js';
import type { PeerId } from '../../../core/id.js';
import { withDefaults } from '../../../core/options.js';
import type { RingPort } from '../../../overlay/port.js';
import { JOBS_SVC } from './constants.js';
import type { Clock } from '../../../env/ports.js';
import { Keeper } from './keeper.js';
import { Scheduler, type Placement } from './scheduler.js';
import { Worker, type TaskRunner } from './worker.js';
import { ReplicaStore } from './replica.js';
import { Replicator } from './replicator.js';
import { JOBS_SETTINGS, type JobsSettings } from './settings.js';
import { emptyJobsStats, type JobsStats } from './stats.js';
import { JobsApi } from './api.js';
import { JobsClient } from './client.js';
import type { Executors } from './job.js';
import { NoTasksBody } from './messages.js';
import { NoTaskPeers } from './no-tasks.js';
import { check } from '../../../core/codec.js';

export interface JobsOptions extends Partial<JobsSettings> {
  ring: RingPort;
  clock: Clock;
  /** Where tasks may run; without it this peer keeps journals but schedules nothing. */
  placement?: Placement;
  /** How this peer runs tasks; without it this peer is no worker. */
  runner?: TaskRunner;
  /** The executors jobs are checked against when created here (the builtins on a real peer). */
  executors?: Executors;
  /** Whether a busy worker hands waiting tasks to idle neighbours that answer its probe (offload.ts); off unless asked for. */
  offload?: boolean;
  /** How long a worker's answer may wait for those of its other running tasks, to leave in one frame (worker.ts); 0 unless asked for. */
  answerLingerMs?: number;
}

/** The settings with their defaults filled in; a value out of range throws InvalidArgumentError naming it. */
export function jobsSettings(opts: Partial<JobsSettings>): JobsSettings {
  const { rpcTimeoutMs, maxAttempts, compactEntries, taskSlots } = opts;
  return withDefaults(JOBS_SETTINGS, { rpcTimeoutMs, maxAttempts, compactEntries, taskSlots }, (key) => `jobs ${key}`);
}

export class JobsService {
  readonly stats: JobsStats = emptyJobsStats();
  readonly settings: JobsSettings;
  readonly replicas: ReplicaStore;
  readonly keeper: Keeper;
  readonly scheduler: Scheduler | undefined;
  readonly worker: Worker | undefined;
  /** Client operations on the jobs this peer keeps. */
  readonly api: JobsApi;
  /** Client of any job's keeper, from this peer. */
  readonly client: JobsClient;
  /** Peers that said they run no tasks (this one too, when it has no worker): never given any. */
  readonly noTasks = new NoTaskPeers();
  private readonly ring: RingPort;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(opts: JobsOptions) {
    this.ring = opts.ring;
    this.settings = jobsSettings(opts);
    this.replicas = new ReplicaStore(opts.ring, this.stats, this.settings.compactEntries);
    this.keeper = new Keeper(opts.ring, this.replicas, new Replicator(opts.ring, this.settings.rpcTimeoutMs, this.stats), this.stats, this.settings.compactEntries);
    if (!opts.runner) this.noTasks.add(opts.ring.self);
    const scheduler = opts.placement && new Scheduler(opts.ring, opts.clock, this.keeper, opts.placement, this.settings, this.stats, this.noTasks);
    this.scheduler = scheduler;
    if (scheduler) this.keeper.onTakeover = (journal) => scheduler.resume(journal);
    this.worker = opts.runner && new Worker(opts.ring, opts.clock, opts.runner, this.settings.rpcTimeoutMs, this.stats, this.settings.taskSlots, opts.offload === true, this.noTasks, opts.answerLingerMs ?? 0);
    const learn = opts.placement?.learn?.bind(opts.placement);
    this.api = new JobsApi(opts.ring, opts.clock, this.keeper, scheduler, opts.executors ?? new Map(), this.stats, learn);
    if (scheduler) scheduler.onInputRead = (jobId, bytes, local) => this.api.countInput(jobId, bytes, local);
    this.client = new JobsClient(opts.ring, opts.clock, this.settings.rpcTimeoutMs);
  }

  /** Idempotent. */
  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe.push(this.ring.onService(JOBS_SVC, (env) => this.dispatch(env)));
    for (const ev of ['range-changed', 'predecessor-changed', 'peer-gone'] as const) this.unsubscribe.push(this.ring.events.on(ev, () => this.keeper.onRangeChanged()));
    this.unsubscribe.push(this.ring.events.on('peer-gone', (e) => {
      if (!e.failed) return;
      this.scheduler?.onPeerGone(e.peer);
      this.worker?.onPeerGone(e.peer);
    }));
    // The links made while joining came up before this: they are told now.
    if (!this.worker) for (const p of this.ring.links()) this.linkUp(p);
  }

  /**
   * A link to peer came up (the host's ring says so). A peer that runs no tasks tells the other
   * end at once, before that end's keeper can count it among its workers (no-tasks.ts).
   */
  linkUp(peer: PeerId): void {
    if (!this.worker && this.unsubscribe.length > 0) this.ring.send(peer, JOBS_SVC, 'no-tasks', {});
  }

  /** Idempotent. A stopped worker drops its queue and sends no more answers. */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.worker?.stop();
    this.scheduler?.stop();
  }

  private dispatch(env: Envelope): void {
    switch (env.op) {
      case 'journal':
        return this.replicas.onJournal(env);
      case 'run':
        if (this.worker) return this.worker.onRun(env);
        return void this.ring.reply(env, { type: 'no-tasks' });
      case 'no-tasks':
        return this.onNoTasks(env);
      case 'done':
        if (this.scheduler) return this.scheduler.onDone(env);
        return void this.ring.reply(env, { type: 'not-keeper' });
      case 'probe':
        if (this.worker) return this.worker.onProbe(env);
        return void this.ring.reply(env, { type: 'probe', room: 0 });
      case 'cancel-run':
        if (this.worker) return this.worker.onCancel(env);
        return;
      case 'create':
      case 'inputs':
      case 'end':
      case 'cancel':
      case 'status':
      case 'results':
      case 'sources':
        return this.api.on(env);
    }
    // An operation this peer does not serve.
    this.stats.badBodies++;
    this.ring.reply(env, { type: 'error', code: 'INVALID_ARGUMENT', message: `jobs operation ${env.op.slice(0, 64)} is not served here` });
  }

  /** A linked peer says it runs no tasks (a notice that took hops, or names a peer we are not linked to, is refused). */
  private onNoTasks(env: Envelope): void {
    if (!check(NoTasksBody, env.body, 'jobs no-tasks body').ok || env.hops !== 0 || !this.ring.isLinked(env.src)) return void this.stats.badBodies++;
    this.noTasks.add(env.src);
  }
}
