// JobsService: the jobs engine of one peer over one ring. It wires the keeper (the jobs whose key
// this peer owns), the journal replicas it holds for its predecessors and the replicator to the
// ring; docs/jobs.md describes the protocol.
import type { Envelope } from '../../../core/envelope.js';
import { withDefaults } from '../../../core/options.js';
import type { RingPort } from '../../../overlay/port.js';
import { JOBS_SVC } from './constants.js';
import { Keeper } from './keeper.js';
import { ReplicaStore } from './replica.js';
import { Replicator } from './replicator.js';
import { JOBS_SETTINGS, type JobsSettings } from './settings.js';
import { emptyJobsStats, type JobsStats } from './stats.js';

export interface JobsOptions extends Partial<JobsSettings> {
  ring: RingPort;
}

/** The settings with their defaults filled in; a value out of range throws InvalidArgumentError naming it. */
export function jobsSettings(opts: Partial<JobsSettings>): JobsSettings {
  const { rpcTimeoutMs, maxAttempts } = opts;
  return withDefaults(JOBS_SETTINGS, { rpcTimeoutMs, maxAttempts }, (key) => `jobs ${key}`);
}

export class JobsService {
  readonly stats: JobsStats = emptyJobsStats();
  readonly settings: JobsSettings;
  readonly replicas: ReplicaStore;
  readonly keeper: Keeper;
  private readonly ring: RingPort;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(opts: JobsOptions) {
    this.ring = opts.ring;
    this.settings = jobsSettings(opts);
    this.replicas = new ReplicaStore(opts.ring, this.stats);
    this.keeper = new Keeper(opts.ring, this.replicas, new Replicator(opts.ring, this.settings.rpcTimeoutMs, this.stats), this.stats);
  }

  /** Idempotent. */
  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe.push(this.ring.onService(JOBS_SVC, (env) => this.dispatch(env)));
    for (const ev of ['range-changed', 'predecessor-changed', 'peer-gone'] as const) this.unsubscribe.push(this.ring.events.on(ev, () => this.keeper.onRangeChanged()));
  }

  /** Idempotent. */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private dispatch(env: Envelope): void {
    switch (env.op) {
      case 'journal':
        return this.replicas.onJournal(env);
      default:
        this.stats.badBodies++;
        this.ring.reply(env, { type: 'error', code: 'INVALID_ARGUMENT', message: `unknown jobs operation ${env.op.slice(0, 64)}` });
    }
  }
}
