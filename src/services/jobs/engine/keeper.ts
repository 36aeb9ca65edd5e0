// The jKeeper: the owner of hash(jobId) keeps the job's journal and acts only on entries its next
// JOURNAL_REPLICAS successors hold (replicator.ts). When a keeper dies, its first live successor
// comes to own the key, finds the journal among the replicas it holds (replica.ts), journals a
// `keeper` entry and resumes the job from that state: every committed output is in it, every
// attempt that was out is still out (its late answer is routed to the key, so it reaches the new
// keeper), and an answer from an attempt the journal no longer has out is refused as stale.
import { CumulusError } from '../../../core/errors.js';
import type { RingPort } from '../../../overlay/port.js';
import { Journal } from './journal.js';
import { jobKey } from './keys.js';
import type { ReplicaStore } from './replica.js';
import type { Replicator } from './replicator.js';
import type { Entry, JobSpec } from './schemas.js';
import type { Refusal } from './state.js';
import type { JobsStats } from './stats.js';

/** Jobs one peer keeps at once; more are refused (the client retries, the ring spreads keys). */
export const MAX_KEPT_JOBS = 10_000;

export class Keeper {
  readonly kept = new Map<string, Journal>();
  /** Called when this peer has taken a job over and journaled it: the scheduler resumes the job. */
  onTakeover: (journal: Journal) => void = () => undefined;

  constructor(
    private readonly ring: RingPort,
    private readonly replicas: ReplicaStore,
    private readonly replicator: Replicator,
    private readonly stats: JobsStats,
  ) {}

  /** Create a job under this keeper; resolves once the created entry is replicated. */
  async create(jobId: string, user: string, job: JobSpec): Promise<Journal> {
    if (!this.ring.owns(jobKey(jobId))) throw new CumulusError('NOT_OWNER', `this peer does not keep job ${jobId}`);
    const existing = this.kept.get(jobId);
    if (existing !== undefined) return existing;
    if (this.kept.size >= MAX_KEPT_JOBS) throw new CumulusError('UNAVAILABLE', `this peer keeps ${MAX_KEPT_JOBS} jobs already`);
    const journal = new Journal(jobId);
    journal.append({ t: 'created', user, job });
    this.kept.set(jobId, journal);
    if (!(await this.replicator.sync(journal))) {
      this.kept.delete(jobId);
      throw new CumulusError('UNAVAILABLE', `job ${jobId}: its journal could not be replicated`);
    }
    return journal;
  }

  /**
   * Journal entries and resolve once they are replicated: true when the keeper may act on them.
   * An entry the state refuses is not journaled; the first refusal is returned instead.
   */
  async append(journal: Journal, entries: readonly Entry[]): Promise<{ ok: boolean; refused?: Refusal }> {
    for (const e of entries) {
      const r = journal.append(e);
      if (r !== null) return { ok: false, refused: r };
    }
    return { ok: await this.replicator.sync(journal) };
  }

  /** Resolves true once every entry the journal holds now is replicated. */
  sync(journal: Journal): Promise<boolean> {
    return this.replicator.sync(journal);
  }

  /** Do we hold this job's journal as a replica (a takeover may be under way)? */
  holdsReplica(jobId: string): boolean {
    return this.replicas.journals.has(jobId);
  }

  /** The range moved: journals we hold as a replica whose key is now ours are taken over. */
  onRangeChanged(): void {
    for (const jobId of [...this.replicas.journals.keys()]) {
      if (!this.ring.owns(jobKey(jobId)) || this.kept.has(jobId) || this.kept.size >= MAX_KEPT_JOBS) continue;
      const journal = this.replicas.take(jobId)!;
      this.kept.set(jobId, journal);
      // A finished job is kept for its status and results; there is nothing to resume.
      if (journal.state.ended) continue;
      this.stats.takeovers++;
      void this.append(journal, [{ t: 'keeper', peer: this.ring.self }]).then((r) => {
        if (r.ok && this.kept.get(jobId) === journal) this.onTakeover(journal);
      });
    }
  }
}
