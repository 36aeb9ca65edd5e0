// A journal replica's side: it holds the journals its predecessors keep, entry for entry, and acks
// a run of entries only when its own view of the ring puts it where the keeper says (the keeper's
// i-th replica has the keeper, or its (i-1)-th replica, as predecessor) and it does not own the
// job's key itself (then the sender is a stale keeper). A replica that lacks the entries before
// the keeper's snapshot receives the snapshot in chunks and starts from it. When it comes to own a
// job's key, the keeper holds the journal it resumes from (keeper.ts).
import type { Envelope } from '../../../core/envelope.js';
import { check } from '../../../core/codec.js';
import type { RingPort } from '../../../overlay/port.js';
import { MAX_PARTIAL_SNAPSHOTS } from './constants.js';
import { Journal } from './journal.js';
import { jobKey } from './keys.js';
import { JournalBody, type JournalRun, type RunVerdict, type SnapshotRun } from './messages.js';
import type { Entry } from './schemas.js';
import type { JobsStats } from './stats.js';

/** Journals one peer holds for others at most; a full store refuses new jobs' runs (the keeper finds no replica). */
export const MAX_REPLICA_JOBS = 10_000;

/** A snapshot being received: the chunks so far, in order. */
interface Partial {
  at: number;
  total: number;
  have: number;
  chunks: Uint8Array[];
}

export class ReplicaStore {
  readonly journals = new Map<string, Journal>();
  private readonly partial = new Map<string, Partial>();

  constructor(
    private readonly ring: RingPort,
    private readonly stats: JobsStats,
    private readonly compactEntries?: number,
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
    const verdicts = runs.map((run): RunVerdict => {
      if (!placed) return { type: 'refused', reason: 'not-replica' };
      if (this.ring.owns(jobKey(run.jobId))) return { type: 'refused', reason: 'keeper-here' };
      return 'at' in run ? this.receive(run) : this.hold(run);
    });
    this.ring.reply(env, { type: 'verdicts', verdicts });
  }

  /** Take a journal over from the store (this peer now keeps the job). */
  take(jobId: string): Journal | undefined {
    const j = this.journals.get(jobId);
    this.journals.delete(jobId);
    this.partial.delete(jobId);
    return j;
  }

  /**
   * Entries we hold past `from` that differ from the run's came from a keeper that died before
   * every replica held them, so it never acted on them: the present keeper's journal wins, and we
   * rebuild ours up to the first difference (as a Raft follower drops a deposed leader's tail).
   * Entries before our snapshot are ones every replica held, which no keeper cuts back. Undefined
   * when the difference lies before our snapshot all the same: we start again from the keeper's.
   */
  private reconcile(j: Journal, run: JournalRun): Journal | undefined {
    const end = Math.min(j.seq, run.from + run.entries.length);
    for (let s = Math.max(run.from, j.first); s < end; s++) {
      if (sameEntry(j.entry(s)!, run.entries[s - run.from]!)) continue;
      const rebuilt = j.truncated(s);
      this.stats.journalTruncations++;
      if (rebuilt === undefined) this.journals.delete(j.jobId);
      else this.journals.set(j.jobId, rebuilt);
      return rebuilt;
    }
    return j;
  }

  private hold(run: JournalRun): RunVerdict {
    let j = this.journals.get(run.jobId);
    if (j === undefined) {
      if (run.from !== 0) return { type: 'behind', seq: 0 };
      if (this.journals.size >= MAX_REPLICA_JOBS) return { type: 'refused', reason: 'not-replica' };
      this.journals.set(run.jobId, (j = new Journal(run.jobId, this.compactEntries)));
    }
    if (run.from > j.seq) return { type: 'behind', seq: j.seq };
    j = this.reconcile(j, run);
    if (j === undefined) return { type: 'behind', seq: 0 };
    for (let k = j.seq - run.from; k < run.entries.length; k++) {
      if (j.append(run.entries[k]!) !== null) return { type: 'refused', reason: 'refused-entry' };
    }
    if (run.acted !== undefined) j.setActed(run.acted);
    return { type: 'held', seq: j.seq };
  }

  /** A chunk of the keeper's snapshot; the last one replaces whatever journal of the job we held. */
  private receive(run: SnapshotRun): RunVerdict {
    let p = this.partial.get(run.jobId);
    if (p === undefined || p.at !== run.at || p.total !== run.total) {
      if (run.offset !== 0) return { type: 'snapshot', at: run.at, offset: 0 };
      if (!this.journals.has(run.jobId) && this.journals.size >= MAX_REPLICA_JOBS) return { type: 'refused', reason: 'not-replica' };
      if (p === undefined && this.partial.size >= MAX_PARTIAL_SNAPSHOTS) this.partial.delete(this.partial.keys().next().value!);
      this.partial.set(run.jobId, (p = { at: run.at, total: run.total, have: 0, chunks: [] }));
    }
    if (run.offset !== p.have || p.have + run.bytes.length > p.total) return { type: 'snapshot', at: p.at, offset: p.have };
    // A copy: decoded bytes are a view of the frame's buffer, which the transport reuses.
    p.chunks.push(new Uint8Array(run.bytes));
    p.have += run.bytes.length;
    if (p.have < p.total) return { type: 'snapshot', at: p.at, offset: p.have };
    this.partial.delete(run.jobId);
    const bytes = new Uint8Array(p.total);
    let off = 0;
    for (const c of p.chunks) {
      bytes.set(c, off);
      off += c.length;
    }
    const j = Journal.fromSnapshot(run.jobId, p.at, bytes, this.compactEntries);
    if (typeof j === 'string') {
      this.stats.badBodies++;
      return { type: 'refused', reason: 'bad-snapshot' };
    }
    this.journals.set(run.jobId, j);
    this.stats.snapshotsReceived++;
    return { type: 'held', seq: j.seq };
  }
}

function sameEntry(a: Entry, b: Entry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
