// A journal replica's side: it holds the journals its predecessors keep, entry for entry, and acks
// a run of entries only when its own view of the ring puts it where the keeper says (the keeper's
// i-th replica has the keeper, or its (i-1)-th replica, as predecessor) and it does not own the
// job's key itself (then the sender is a stale keeper). When it comes to own a job's key, the
// keeper holds the journal it resumes from (keeper.ts).
import type { Envelope } from '../../../core/envelope.js';
import { check } from '../../../core/codec.js';
import type { RingPort } from '../../../overlay/port.js';
import { Journal } from './journal.js';
import { jobKey } from './keys.js';
import { JournalBody, type JournalRun, type RunVerdict } from './messages.js';
import type { Entry } from './schemas.js';
import type { JobsStats } from './stats.js';

/** Journals one peer holds for others at most; a full store refuses new jobs' runs (the keeper finds no replica). */
export const MAX_REPLICA_JOBS = 10_000;

export class ReplicaStore {
  readonly journals = new Map<string, Journal>();

  constructor(
    private readonly ring: RingPort,
    private readonly stats: JobsStats,
  ) {}

  onJournal(env: Envelope): void {
    const c = check(JournalBody, env.body, 'jobs journal body');
    if (!c.ok) {
      this.stats.badBodies++;
      this.ring.reply(env, { type: 'error', code: c.error.code, message: c.error.message.slice(0, 1000) });
      return;
    }
    const { runs, targets } = c.value;
    const i = targets.indexOf(this.ring.self);
    const placed = i >= 0 && this.ring.predecessor() === (i === 0 ? env.src : targets[i - 1]);
    const verdicts = runs.map((run): RunVerdict => (placed ? this.hold(run) : { type: 'refused', reason: 'not-replica' }));
    this.ring.reply(env, { type: 'verdicts', verdicts });
  }

  /** Take a journal over from the store (this peer now keeps the job). */
  take(jobId: string): Journal | undefined {
    const j = this.journals.get(jobId);
    this.journals.delete(jobId);
    return j;
  }

  /**
   * Entries we hold past `from` that differ from the run's came from a keeper that died before
   * every replica held them, so it never acted on them: the present keeper's journal wins, and we
   * rebuild ours up to the first difference (as a Raft follower drops a deposed leader's tail).
   */
  private reconcile(j: Journal, run: JournalRun): Journal {
    const overlap = Math.min(j.seq - run.from, run.entries.length);
    for (let k = 0; k < overlap; k++) {
      if (sameEntry(j.entries[run.from + k]!, run.entries[k]!)) continue;
      const rebuilt = new Journal(j.jobId);
      for (const e of j.entries.slice(0, run.from + k)) rebuilt.append(e);
      this.journals.set(j.jobId, rebuilt);
      this.stats.journalTruncations++;
      return rebuilt;
    }
    return j;
  }

  private hold(run: JournalRun): RunVerdict {
    if (this.ring.owns(jobKey(run.jobId))) return { type: 'refused', reason: 'keeper-here' };
    let j = this.journals.get(run.jobId);
    if (j === undefined) {
      if (run.from !== 0) return { type: 'behind', seq: 0 };
      if (this.journals.size >= MAX_REPLICA_JOBS) return { type: 'refused', reason: 'not-replica' };
      this.journals.set(run.jobId, (j = new Journal(run.jobId)));
    }
    if (run.from > j.seq) return { type: 'behind', seq: j.seq };
    j = this.reconcile(j, run);
    for (let k = j.seq - run.from; k < run.entries.length; k++) {
      if (j.append(run.entries[k]!) !== null) return { type: 'refused', reason: 'refused-entry' };
    }
    return { type: 'held', seq: j.seq };
  }
}

function sameEntry(a: Entry, b: Entry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
