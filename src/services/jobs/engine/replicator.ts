// The keeper's side of journal replication: `sync(journal)` resolves true once each of the
// keeper's next JOURNAL_REPLICAS successors (fewer on a smaller ring) holds every entry the journal had when it was called,
// and only then does the keeper act on them (send an assignment, answer a client). Group commit:
// one round is on the wire at a time; journals synced meanwhile go together in the next, one frame
// per replica carrying runs of many jobs. A replica that answers `behind` gets the entries it
// lacks in the next round, and one that lacks the entries before the journal's snapshot gets the
// snapshot, a chunk a round; a round that moves no replica forward fails its callers.
import { check } from '../../../core/codec.js';
import type { PeerId } from '../../../core/id.js';
import type { RingPort } from '../../../overlay/port.js';
import { JOBS_SVC, JOURNAL_FRAME_BUDGET_BYTES, JOURNAL_REPLICAS, MAX_ENTRIES_PER_RUN, MAX_RUNS_PER_FRAME, SNAPSHOT_CHUNK_BYTES } from './constants.js';
import type { Journal } from './journal.js';
import { JournalReply, type JournalRun, type SnapshotRun } from './messages.js';
import type { Entry } from './schemas.js';
import type { JobsStats } from './stats.js';

/** Rounds in a row that may end without every replica caught up before the callers are told false. */
const MAX_ROUNDS_WITHOUT_PROGRESS = 2;

export class Replicator {
  private waiting = new Map<Journal, Array<{ seq: number; resolve: (ok: boolean) => void }>>();
  /** The next entry each replica is known to expect, per journal. */
  private readonly acked = new WeakMap<Journal, Map<PeerId, number>>();
  /** The sequence number every replica of the last round held, per journal: where a replica we have not heard from starts. */
  private readonly synced = new WeakMap<Journal, number>();
  /** How much of the journal's snapshot each replica that needs it holds. */
  private readonly chunks = new WeakMap<Journal, Map<PeerId, { at: number; offset: number }>>();
  private inFlight = false;
  private idleRounds = 0;

  constructor(
    private readonly ring: RingPort,
    private readonly timeoutMs: number,
    private readonly stats: JobsStats,
  ) {}

  sync(journal: Journal): Promise<boolean> {
    let list = this.waiting.get(journal);
    if (list === undefined) this.waiting.set(journal, (list = []));
    const callers = list;
    const done = new Promise<boolean>((resolve) => callers.push({ seq: journal.seq, resolve }));
    if (!this.inFlight) this.pump();
    return done;
  }

  /**
   * The keeper's next JOURNAL_REPLICAS successors, or as many as the ring has: a ring of two
   * keeps one copy, and a peer alone keeps none (there is nobody to fail over to). A job goes on
   * with fewer copies rather than stopping until the ring grows again; the copies are made up as
   * successors come (a new replica answers `behind` and is sent what it lacks).
   */
  private targets(): PeerId[] {
    return [...new Set(this.ring.successors())].filter((p) => p !== this.ring.self).slice(0, JOURNAL_REPLICAS);
  }

  private pump(): void {
    if (this.waiting.size === 0) return;
    this.inFlight = true;
    const journals = [...this.waiting.keys()];
    void this.round(journals).then((progressed) => {
      this.inFlight = false;
      this.idleRounds = progressed ? 0 : this.idleRounds + 1;
      const giveUp = this.idleRounds >= MAX_ROUNDS_WITHOUT_PROGRESS;
      for (const [journal, callers] of [...this.waiting]) {
        const floor = this.floor(journal);
        if (floor > (this.synced.get(journal) ?? 0)) this.synced.set(journal, floor);
        journal.setActed(floor);
        const left = callers.filter((c) => {
          if (c.seq <= floor) c.resolve(true);
          else if (giveUp) c.resolve(false);
          else return true;
          return false;
        });
        if (left.length === 0) this.waiting.delete(journal);
        else this.waiting.set(journal, left);
      }
      if (giveUp) this.idleRounds = 0;
      this.pump();
    });
  }

  /**
   * The entries one replica lacks, as runs within one frame's budget; what does not fit goes in the
   * next round. A replica we have not heard from gets what the journal's replicas last all held
   * on; it says `behind` if it lacks more.
   */
  private runsFor(peer: PeerId, journals: Journal[]): Array<{ journal: Journal; run: JournalRun | SnapshotRun }> {
    const runs: Array<{ journal: Journal; run: JournalRun | SnapshotRun }> = [];
    let bytes = 0;
    for (const journal of journals) {
      let s = this.acked.get(journal)?.get(peer) ?? Math.max(this.synced.get(journal) ?? 0, journal.first);
      if (s < journal.first) {
        // A chunk fills a frame: it goes alone, in a round of its own.
        if (runs.length > 0) return runs;
        return [{ journal, run: this.chunk(journal, peer) }];
      }
      while (s < journal.seq && runs.length < MAX_RUNS_PER_FRAME) {
        const entries: Entry[] = [];
        while (s < journal.seq && entries.length < MAX_ENTRIES_PER_RUN) {
          const b = entryBytes(journal.entry(s)!);
          if (bytes + b > JOURNAL_FRAME_BUDGET_BYTES && (entries.length > 0 || runs.length > 0)) break;
          entries.push(journal.entry(s++)!);
          bytes += b;
        }
        if (entries.length === 0) return runs;
        runs.push({ journal, run: { jobId: journal.jobId, from: s - entries.length, entries, acted: journal.acted } });
        if (bytes >= JOURNAL_FRAME_BUDGET_BYTES) return runs;
      }
    }
    return runs;
  }

  /** The next chunk of the journal's base snapshot for a replica that lacks the entries before it. */
  private chunk(journal: Journal, peer: PeerId): SnapshotRun {
    const { seq: at, bytes } = journal.base;
    const sent = this.chunks.get(journal)?.get(peer);
    const offset = sent?.at === at ? sent.offset : 0;
    return { jobId: journal.jobId, at, total: bytes!.length, offset, bytes: bytes!.subarray(offset, offset + SNAPSHOT_CHUNK_BYTES) };
  }

  /** A replica holds `offset` bytes of the snapshot as of `at`; true when that is more than it held. */
  private onChunk(journal: Journal, peer: PeerId, at: number, offset: number): boolean {
    let sent = this.chunks.get(journal);
    if (sent === undefined) this.chunks.set(journal, (sent = new Map()));
    const before = sent.get(peer);
    sent.set(peer, { at, offset });
    return before === undefined || before.at !== at || before.offset !== offset;
  }

  /** The sequence number every current replica has reached (all of the journal when the keeper is alone). */
  private floor(journal: Journal): number {
    const targets = this.targets();
    if (targets.length === 0) return journal.seq;
    const acked = this.acked.get(journal);
    if (acked === undefined) return 0;
    return Math.min(...targets.map((t) => acked.get(t) ?? 0));
  }

  /** One frame per replica (more when the runs do not fit one); resolves whether any replica moved forward. */
  private async round(journals: Journal[]): Promise<boolean> {
    const targets = this.targets();
    if (targets.length === 0) return false;
    let progressed = false;
    await Promise.all(
      targets.map(async (peer) => {
        const runs = this.runsFor(peer, journals);
        if (runs.length === 0) return;
        this.stats.journalFrames++;
        const reply = await this.ring
          .request({ peer }, JOBS_SVC, 'journal', { runs: runs.map((r) => r.run), targets }, { timeoutMs: this.timeoutMs })
          .then((env) => check(JournalReply, env.body, 'jobs journal reply'))
          .catch(() => undefined);
        const verdicts = reply?.ok && reply.value.type === 'verdicts' && reply.value.verdicts.length === runs.length ? reply.value.verdicts : undefined;
        if (verdicts === undefined) return void this.stats.journalFailures++;
        verdicts.forEach((v, i) => {
          const { journal } = runs[i]!;
          if (v.type === 'refused') {
            this.stats.journalRefused++;
            this.stats.journalRefusedBy[v.reason] = (this.stats.journalRefusedBy[v.reason] ?? 0) + 1;
            return;
          }
          let acked = this.acked.get(journal);
          if (acked === undefined) this.acked.set(journal, (acked = new Map()));
          if (v.type === 'snapshot') {
            progressed ||= this.onChunk(journal, peer, v.at, v.offset);
            return void acked.set(peer, 0);
          }
          if ('at' in runs[i]!.run && v.type === 'held') this.stats.snapshotsSent++;
          const before = acked.get(peer);
          // `behind` and `held` both say which entry the replica expects next.
          if (before === undefined || v.seq !== before) progressed = true;
          acked.set(peer, Math.min(v.seq, journal.seq));
        });
      }),
    );
    return progressed;
  }
}

/** Estimated encoded bytes of an entry (msgpack of its fields), to keep frames inside their budget. */
function entryBytes(e: Entry): number {
  switch (e.t) {
    case 'created':
      return 64 + e.job.phases.reduce((n, p) => n + 48 + p.exec.length, 0);
    case 'inputs':
      return 32 + e.paths.reduce((n, p) => n + 3 + p.length, 0);
    case 'failed':
      return 96 + e.message.length + e.stderr.length;
    case 'assigned':
      return 96;
    default:
      return 48;
  }
}
