// The keeper's scheduler: it gives each pending task to a worker, journals the assignment and sends
// it only once the journal's replicas hold it, times attempts out, and turns each worker's answer
// into a committed or failed entry. An answer the journal refuses (an attempt no longer out, a
// task already committed) is counted and ignored. A worker holds at most the queue depth it
// reported (its speed decides it); the keeper sends no more than that.
import { check } from '../../../core/codec.js';
import type { Envelope } from '../../../core/envelope.js';
import type { PeerId } from '../../../core/id.js';
import type { Clock, TimerHandle } from '../../../env/ports.js';
import type { RingPort } from '../../../overlay/port.js';
import { DEFAULT_TIMEOUT_S, JOBS_SVC, MAX_TASKS_PER_JOB } from './constants.js';
import { Deadlines, type Deadline } from './deadlines.js';
import type { Journal } from './journal.js';
import type { Keeper } from './keeper.js';
import { DoneBody, MAX_TASKS_PER_RUN, RunReply, type RunTask, type TaskReport, type Verdict } from './messages.js';
import type { Entry } from './schemas.js';
import { WorkerPool } from './pool.js';
import type { JobsSettings } from './settings.js';
import { taskKey } from './state.js';
import type { JobsStats } from './stats.js';
import { outputPath, phaseDir } from './paths.js';
import { partitionKey } from './keys.js';
import { runPhase, type Placement } from './placement.js';
export type { Placement } from './placement.js';
import { KeeperTimes } from './timing.js';
import { nextStragglerMs, stragglers } from './stragglers.js';
import { NoTaskPeers } from './no-tasks.js';

/** How long a worker that did not take its frame gets no tasks: a few detection times of a crashed link. */
const SHUN_MS = 10_000;
/** Least pause between two straggler checks of one job. */
const STRAGGLER_CHECK_MIN_MS = 100;
/** Assignments journaled in one batch (one replication round). */
const MAX_ASSIGN_BATCH = 256;

export class Scheduler {
  /** Attempts out per worker, the depth each worker last asked for, the workers with room. */
  private readonly pool = new WorkerPool();
  private readonly deadlines: Deadlines;
  private readonly pumping = new Set<Journal>();
  /** The worker being given tasks by the batch being built, and how many more it gets. */
  private filling: PeerId | undefined;
  private fillLeft = 0;
  private stopped = false;
  /** Jobs with a straggler check armed. */
  private readonly watching = new Set<Journal>();
  /** When tasks were assigned and how long they took, per job (stragglers, the status's medians). */
  readonly times = new KeeperTimes();
  /** Stores the report of a job about to end (a real peer writes it to storage); none in the simulator. */
  archive: ((journal: Journal, state: 'done' | 'cancelled') => Promise<void>) | undefined;
  /** A live attempt's answer said how many input bytes it read, and how many of them locally. */
  onInputRead: (jobId: string, inputBytes: number, localBytes: number) => void = () => undefined;
  /** The placement's workers less the peers that run no tasks. */
  private readonly taskPeers: (workers: readonly PeerId[]) => readonly PeerId[];

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly keeper: Keeper,
    private readonly placement: Placement,
    private readonly settings: JobsSettings,
    private readonly stats: JobsStats,
    /** Peers that said they run no tasks: never chosen, even as the holders of an input. */
    private readonly noTasks = new NoTaskPeers(),
  ) {
    this.deadlines = new Deadlines(clock, (d) => this.expired(d));
    this.taskPeers = noTasks.filter();
  }

  /** Cancel every timer and act no more (the peer is shutting down). */
  stop(): void {
    this.stopped = true;
    this.deadlines.stop();
  }

  /** After a takeover: every attempt out is timed again from now, and the job goes on. */
  resume(journal: Journal): void {
    const assigned = this.times.of(journal.jobId).assignedMs;
    for (const [key, out] of journal.state.running) {
      assigned.set(key, this.clock.now());
      const phase = Math.floor(key / MAX_TASKS_PER_JOB);
      for (const [attempt, worker] of out) {
        this.pool.addLoad(worker as PeerId, 1);
        this.arm(journal, phase, key - phase * MAX_TASKS_PER_JOB, attempt, worker as PeerId);
      }
    }
    void this.pump(journal);
  }

  /** Give pending tasks to workers with room, a batch at a time, until none is pending or no worker has room. */
  async pump(journal: Journal): Promise<void> {
    if (this.pumping.has(journal) || this.stopped) return;
    this.pumping.add(journal);
    try {
      for (;;) {
        let batch = this.assignments(journal);
        // Nothing to assign: close what is complete, which may open a reduce phase's tasks.
        if (batch.length === 0 && (await this.close(journal))) continue;
        // Nothing waits either: idle workers get copies of the stragglers.
        if (batch.length === 0) batch = this.speculate(journal);
        if (batch.length === 0) {
          this.watch(journal);
          break;
        }
        if (!(await this.keeper.sync(journal))) {
          // The assignments stay journaled here and time out if never sent; try again once the ring has settled.
          this.clock.setTimer(this.settings.rpcTimeoutMs, () => void this.pump(journal));
          break;
        }
        this.send(journal, batch);
      }
    } finally {
      this.pumping.delete(journal);
    }
  }

  private assignments(journal: Journal): Array<Extract<Entry, { t: 'assigned' }>> {
    const s = journal.state;
    const out: Array<Extract<Entry, { t: 'assigned' }>> = [];
    if (s.cancelled || s.ended) return out;
    this.filling = undefined;
    this.fillLeft = 0;
    while (out.length < MAX_ASSIGN_BATCH) {
      const next = s.nextPending();
      if (next === undefined) break;
      const worker = this.choose(journal, this.inputOf(journal, next.phase, next.index), out.length === 0);
      if (worker === undefined) break;
      const e = { t: 'assigned' as const, phase: next.phase, index: next.index, attempt: s.phases[next.phase]!.attemptsOf(next.index) + 1, worker, speculative: false };
      // Applied now, so the next pending task is another one; the caller replicates the batch before sending it.
      if (journal.append(e) !== null) break;
      out.push(e);
      this.arm(journal, e.phase, e.index, e.attempt, worker);
      this.pool.addLoad(worker, 1);
      this.times.of(journal.jobId).assignedMs.set(taskKey(e.phase, e.index), this.clock.now());
    }
    return out;
  }

  /** Copies of the stragglers for idle workers, journaled (stragglers.ts says which). */
  private speculate(journal: Journal): Array<Extract<Entry, { t: 'assigned' }>> {
    const out: Array<Extract<Entry, { t: 'assigned' }>> = [];
    if (journal.state.cancelled || journal.state.ended) return out;
    this.pool.expireShuns(this.clock.now());
    for (const { phase, index, attempt, running } of stragglers(journal.state, this.times.of(journal.jobId), this.clock.now())) {
      if (out.length >= MAX_ASSIGN_BATCH) break;
      const worker = this.pool.idle(running as PeerId);
      if (worker === undefined) break;
      const e = { t: 'assigned' as const, phase, index, attempt, worker, speculative: true };
      if (journal.append(e) !== null) continue;
      out.push(e);
      this.arm(journal, phase, index, attempt, worker);
      this.pool.addLoad(worker, 1);
    }
    return out;
  }

  /** Pump again when the first task still running alone would become a straggler. */
  private watch(journal: Journal): void {
    if (this.watching.has(journal) || journal.state.ended) return;
    const atMs = nextStragglerMs(journal.state, this.times.of(journal.jobId));
    if (atMs === undefined) return;
    this.watching.add(journal);
    this.clock.setTimer(Math.max(STRAGGLER_CHECK_MIN_MS, atMs - this.clock.now()), () => {
      this.watching.delete(journal);
      void this.pump(journal);
    });
  }

  /** The input a task reads: its input path (first-phase map), the output that feeds it, or its partition. */
  private inputOf(journal: Journal, phase: number, index: number): string {
    const s = journal.state;
    if (s.spec!.phases[phase]!.type === 'reduce') return `${phaseDir(s.user, journal.jobId, phase - 1)}#r${index}`;
    return phase === 0 ? s.inputs[index]! : outputPath(s.user, journal.jobId, phase - 1, index, s.phases[phase - 1]!.winnerOf(index));
  }

  /**
   * The preferred peer with the most room, else the worker being filled while it has its share, else the
   * least loaded worker ready for a refill, whose share is its room or, when fewer tasks wait, an
   * even part of them (so that a small job spreads over the idle workers).
   */
  private choose(journal: Journal, input: string, first: boolean): PeerId | undefined {
    this.pool.expireShuns(this.clock.now());
    // The holder with the most room: the first one listed took every quick task while the others idled.
    let best: PeerId | undefined;
    for (const p of this.placement.preferred(input)) if (this.pool.hasRoom(p) && !this.noTasks.has(p) && (best === undefined || this.pool.roomOf(p) > this.pool.roomOf(best))) best = p;
    // A batch starts only once some worker is ready for a refill (half its queue free), as on the
    // path below: holders refilled a slot at a time as each answer came cost a run frame and a
    // journal round per task or two. While tasks are out, an answer makes a worker ready soon enough.
    if (best !== undefined && first && journal.state.running.size > 0) {
      this.pool.setWorkers(this.taskPeers(this.placement.workers()));
      if (this.pool.readyCount() === 0) return undefined;
    }
    if (best !== undefined) return best;
    if (this.filling !== undefined && this.fillLeft-- > 0 && this.pool.hasRoom(this.filling)) return this.filling;
    this.pool.setWorkers(this.taskPeers(this.placement.workers()));
    const worker = (this.filling = this.pool.least());
    if (worker === undefined) return undefined;
    const waiting = journal.state.phases.reduce((n, t) => n + t.counts.pending, 0);
    this.fillLeft = Math.min(this.pool.roomOf(worker), Math.ceil(waiting / Math.max(1, this.pool.readyCount()))) - 1;
    return worker;
  }

  /** One run frame per worker for a replicated batch; a worker that does not take its tasks loses those attempts. */
  private send(journal: Journal, batch: ReadonlyArray<Extract<Entry, { t: 'assigned' }>>): void {
    const byWorker = new Map<PeerId, RunTask[]>();
    for (const e of batch) {
      let list = byWorker.get(e.worker);
      if (list === undefined) byWorker.set(e.worker, (list = []));
      list.push({ phase: e.phase, index: e.index, attempt: e.attempt, input: this.inputOf(journal, e.phase, e.index) });
    }
    for (const [worker, tasks] of byWorker) {
      for (let i = 0; i < tasks.length; i += MAX_TASKS_PER_RUN) {
        const part = tasks.slice(i, i + MAX_TASKS_PER_RUN);
        const phases = [...new Set(part.map((t) => t.phase))].map((p) => runPhase(journal, p));
        void this.ring
          .request({ peer: worker }, JOBS_SVC, 'run', { jobId: journal.jobId, user: journal.state.user, phases, tasks: part }, { timeoutMs: this.settings.rpcTimeoutMs })
          .then((env) => check(RunReply, env.body, 'jobs run reply'))
          .catch(() => undefined)
          .then((r) => {
            if (r?.ok && r.value.type === 'accepted') return void this.pool.setDepth(worker, r.value.depth);
            // Its notice crossed this frame: it is never offered again, and these attempts are retried elsewhere.
            if (r?.ok && r.value.type === 'no-tasks') this.noTasks.add(worker);
            // A worker that did not take its tasks (gone, or full) gets none for a while, so their retries go elsewhere.
            this.pool.shun(worker, this.clock.now() + SHUN_MS);
            for (const t of part) void this.record(journal, t.phase, t.index, t.attempt, { outcome: 'error', exitCode: 70, message: `worker ${worker.slice(0, 8)} did not take the task`, stderr: '' });
          });
      }
    }
  }

  /** Time the attempt out after its phase's timeout and two request timeouts, unless it ends first. */
  private arm(journal: Journal, phase: number, index: number, attempt: number, worker: PeerId): void {
    this.deadlines.add({ journal, phase, index, attempt, worker }, this.timeoutMs(journal, phase));
  }

  private timeoutMs(journal: Journal, phase: number): number {
    return (journal.state.spec!.phases[phase]!.timeout ?? DEFAULT_TIMEOUT_S) * 1000 + 2 * this.settings.rpcTimeoutMs;
  }

  private expired(d: Deadline): void {
    const message = `no answer from ${d.worker.slice(0, 8)} within ${this.timeoutMs(d.journal, d.phase)} ms`;
    void this.record(d.journal, d.phase, d.index, d.attempt, { outcome: 'timeout', exitCode: 124, message, stderr: '' });
  }

  /** A worker's answers, routed to the job's key: journaled together, replicated in one round, answered with one verdict each. */
  onDone(env: Envelope): void {
    const c = check(DoneBody, env.body, 'jobs done body');
    if (!c.ok) {
      this.stats.badBodies++;
      return void this.ring.reply(env, { type: 'error', code: c.error.code, message: c.error.message.slice(0, 1000) });
    }
    const { jobId, answers } = c.value;
    const journal = this.keeper.kept.get(jobId);
    if (journal === undefined || this.stopped) return void this.ring.reply(env, { type: 'not-keeper' });
    const verdicts = answers.map(({ phase, index, attempt, report }) => {
      if (report.outcome === 'ok' && journal.state.phases[phase]?.isLive(index, attempt)) this.onInputRead(jobId, report.inputBytes ?? 0, report.localBytes ?? 0);
      return this.journalEnd(journal, phase, index, attempt, report, false);
    });
    void this.settle(journal).then((ok) => this.ring.reply(env, { type: 'verdicts', verdicts: verdicts.map((v) => (v.type === 'recorded' && !ok ? { type: 'ignored', reason: 'unreplicated' } : v)) }));
  }

  /** Journal how an attempt ended (the keeper's own verdict: a timeout, a worker gone) and replicate it. */
  private async record(journal: Journal, phase: number, index: number, attempt: number, report: TaskReport): Promise<void> {
    if (this.stopped) return;
    if (this.journalEnd(journal, phase, index, attempt, report, true).type === 'recorded') await this.settle(journal);
  }

  /** Replicate what was journaled, then go on assigning; true when the replicas hold it. */
  private async settle(journal: Journal): Promise<boolean> {
    const ok = await this.keeper.sync(journal);
    void this.pump(journal);
    return ok;
  }

  /**
   * Journal how an attempt ended, unreplicated yet. The user's failures (exit, limit, a missing
   * input) are final; the system's (timeout, error, a lost worker) are retried while attempts remain.
   */
  private journalEnd(journal: Journal, phase: number, index: number, attempt: number, report: TaskReport, fromKeeper: boolean): Verdict {
    const systemFault = report.outcome === 'timeout' || report.outcome === 'error';
    const e: Entry =
      report.outcome === 'ok'
        ? { t: 'committed', phase, index, attempt, bytes: report.bytes }
        : { t: 'failed', phase, index, attempt, kind: report.outcome, final: !systemFault || attempt >= this.settings.maxAttempts, exitCode: report.exitCode, message: report.message, stderr: report.stderr };
    const out = new Map(journal.state.running.get(taskKey(phase, index)) ?? []);
    const refused = journal.append(e);
    if (refused !== null) {
      if (refused === 'duplicate') this.stats.duplicateAnswers++;
      else this.stats.staleAnswers++;
      return { type: 'ignored', reason: refused };
    }
    // Every attempt the entry ended stops counting against its worker's queue (its deadline is skipped when it comes).
    const key = taskKey(phase, index);
    const still = journal.state.running.get(key);
    for (const [a, worker] of out) if (!still?.has(a)) this.release(worker as PeerId);
    if (fromKeeper) this.stats.keeperFailures++;
    const t = this.times.of(journal.jobId);
    const since = t.assignedMs.get(key);
    if (report.outcome === 'ok' && since !== undefined) t.took.add(phase, this.clock.now() - since);
    if (report.outcome === 'ok' && report.runMs !== undefined) t.ran.add(phase, report.runMs);
    if (still === undefined) t.assignedMs.delete(key);
    return { type: 'recorded' };
  }

  /** An attempt ended: its worker's slot is free (its deadline is skipped when it comes, as the attempt is no longer running). */
  private release(worker: PeerId): void {
    this.pool.addLoad(worker, -1);
  }

  /**
   * Cancel a job: `cancelled` and `job-done` are journaled together, so no attempt is out any more
   * (a late answer is refused as after the end); the workers' slots and timers are freed and every
   * worker with an attempt out is told to stop its tasks of the job. Resolves once replicated.
   */
  async cancel(journal: Journal): Promise<boolean> {
    const workers = new Set<PeerId>();
    for (const [key, out] of journal.state.running) {
      const phase = Math.floor(key / MAX_TASKS_PER_JOB);
      for (const [a, worker] of out) {
        workers.add(worker as PeerId);
        this.release(worker as PeerId);
      }
    }
    const r = await this.keeper.append(journal, journal.state.cancelled ? [{ t: 'job-done' }] : [{ t: 'cancelled' }, { t: 'job-done' }]);
    for (const w of workers) this.ring.send(w, JOBS_SVC, 'cancel-run', { jobId: journal.jobId });
    if (r.ok) await this.archiveReport(journal, 'cancelled');
    return r.ok;
  }

  /** Archive the job's report (when this peer archives), before its end is journaled; a failure is counted, and the job ends all the same. */
  private async archiveReport(journal: Journal, state: 'done' | 'cancelled'): Promise<void> {
    if (this.archive === undefined) return;
    try {
      await this.archive(journal, state);
    } catch {
      this.stats.archiveFailures++;
    }
  }

  /** A worker crashed: its attempts out are failed now and retried elsewhere, rather than at their timeouts. */
  onPeerGone(peer: PeerId): void {
    for (const journal of this.keeper.kept.values()) {
      if (journal.state.ended) continue;
      for (const [key, out] of [...journal.state.running]) {
        const phase = Math.floor(key / MAX_TASKS_PER_JOB);
        for (const [a, worker] of out) {
          if (worker === peer) void this.record(journal, phase, key - phase * MAX_TASKS_PER_JOB, a, { outcome: 'error', exitCode: 70, message: `worker ${peer.slice(0, 8)} left the ring`, stderr: '' });
        }
      }
    }
  }

  /** Journal the phases that are complete, and the job's end once every phase is; true when it journaled any. */
  private async close(journal: Journal): Promise<boolean> {
    const s = journal.state;
    const entries: Entry[] = [];
    for (let p = s.phaseToClose(); p !== undefined; p = s.phaseToClose()) {
      const e: Entry = { t: 'phase-done', phase: p };
      if (journal.append(e) !== null) break;
      entries.push(e);
    }
    if (!s.ended && (s.cancelled ? s.running.size === 0 : s.phaseDone.every(Boolean))) {
      await this.archiveReport(journal, s.cancelled ? 'cancelled' : 'done');
      const e: Entry = { t: 'job-done' };
      if (journal.append(e) === null) entries.push(e);
    }
    if (entries.length === 0 || !(await this.keeper.sync(journal))) return false;
    // Only a real peer's placement learns (an await here would reorder the simulator's events).
    if (this.placement.learnHomes !== undefined) for (const e of entries) if (e.t === 'phase-done') await this.learnHomes(journal, e.phase + 1);
    return true;
  }

  /** A reduce phase just opened: learn where its partitions' homes are (bounded by a request timeout), so each reducer runs at its own. */
  private async learnHomes(journal: Journal, phase: number): Promise<void> {
    const p = journal.state.spec!.phases[phase];
    if (p?.type !== 'reduce') return;
    const homes = Array.from({ length: p.count ?? 1 }, (_, i) => ({ input: this.inputOf(journal, phase, i), key: partitionKey(journal.jobId, phase, i) }));
    let timer: TimerHandle | undefined;
    await Promise.race([this.placement.learnHomes!(homes).catch(() => undefined), new Promise<void>((resolve) => (timer = this.clock.setTimer(this.settings.rpcTimeoutMs, resolve)))]);
    if (timer !== undefined) this.clock.cancel(timer);
  }
}
