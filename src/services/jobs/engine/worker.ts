// A worker: it takes run frames from keepers into a small queue, runs up to `slots` tasks at a time
// through its TaskRunner (the executor over storage on a real peer, a model of time in the
// simulator) and answers each attempt to the job's key, so the answer reaches whichever peer keeps
// the job then. Answers are grouped: while one `done` frame of a job is out, the attempts that end
// meanwhile wait and go together in the next (the replicator's group commit, on the worker's side).
// Its queue depth follows its speed: about TARGET_QUEUE_MS of work, from the mean task time so far.
import { check } from '../../../core/codec.js';
import type { Envelope } from '../../../core/envelope.js';
import type { PeerId } from '../../../core/id.js';
import type { Clock, TimerHandle } from '../../../env/ports.js';
import type { RingPort } from '../../../overlay/port.js';
import { JOBS_SVC } from './constants.js';
import { jobKey } from './keys.js';
import { DoneReply, MAX_ANSWERS_PER_FRAME, MAX_TASKS_PER_RUN, RunBody, type Answer, type RunPhase, type RunTask, type TaskReport } from './messages.js';
import type { JobsStats } from './stats.js';
import { CancelRunBody } from './api-messages.js';
import { Offloader } from './offload.js';
import type { NoTaskPeers } from './no-tasks.js';

/** Whose job a task is of, and the signal that cancels it. */
export interface TaskContext {
  user: string;
  signal: AbortSignal;
}

/** How a worker runs one task: reads its input, runs its exec, stores its output, reports. Never rejects. */
export interface TaskRunner {
  run(jobId: string, phase: RunPhase, task: RunTask, ctx: TaskContext): Promise<TaskReport>;
  /** Remove what an attempt stored: its keeper refused its answer (another attempt won, or the job ended). Never rejects. */
  discard?(jobId: string, phase: RunPhase, task: RunTask, user: string): Promise<void>;
}

/** Why a keeper refuses an answer for good: the attempt's output will never be the task's. */
const LOST_REASONS: ReadonlySet<string> = new Set(['duplicate', 'stale', 'ended', 'cancelled', 'no-such-task']);

/** Work a worker keeps queued, in ms of its own mean task time: enough to never idle between frames. */
const TARGET_QUEUE_MS = 2000;
/** Attempts to deliver one frame of answers (the keeper may be moving), and the pause between them. */
const ANSWER_ATTEMPTS = 6;
const ANSWER_BACKOFF_MS = 500;
/**
 * A worker runs several tasks at once only while its tasks are quick (their recent mean below
 * this): a quick task mostly waits on storage's round trips, which overlap; a long one is mostly
 * compute, and running several at once would only stretch each towards its timeout.
 */
const QUICK_TASK_MS = 1000;
/** Weight of the newest task in the recent mean of task times. */
const RECENT_WEIGHT = 0.2;
/** Tasks queued at most: two full run frames (more is `busy`). */
const MAX_QUEUED = 2 * MAX_TASKS_PER_RUN;

interface Queued {
  jobId: string;
  user: string;
  phase: RunPhase;
  task: RunTask;
}

export class Worker {
  private readonly queue: Queued[] = [];
  /** The tasks running now: their job and what stops each. */
  private readonly current = new Set<{ jobId: string; abort: AbortController }>();
  /** Answers waiting for their job's frame in flight to end, by job; the jobs with a frame out. */
  private readonly unsent = new Map<string, Answer[]>();
  /** The task each answer is of, for the runner to discard what a refused attempt stored. */
  private readonly origins = new WeakMap<Answer, Queued>();
  private readonly sending = new Set<string>();
  /** Jobs whose answers wait out the linger, and the timer that sends them; when each job's oldest waiting answer was queued. */
  private readonly lingering = new Map<string, TimerHandle>();
  private readonly unsentSinceMs = new Map<string, number>();
  private stopped = false;
  /** Paused by its volunteer: it takes no task (keepers place them elsewhere) and starts none it queued. */
  private paused = false;
  private doneTasks = 0;
  private busyMs = 0;
  /** Mean time of the recent tasks (weighted towards the newest), or undefined before the first. */
  private recentMs: number | undefined;
  /** Hands tasks this worker cannot start soon to idle neighbours (offload.ts). */
  readonly offloader: Offloader;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly runner: TaskRunner,
    private readonly rpcTimeoutMs: number,
    private readonly stats: JobsStats,
    /** Tasks run at once: more than one overlaps tasks that mostly wait on storage. */
    private readonly slots = 1,
    /** Hand waiting tasks to idle neighbours (offload.ts); off unless asked for. */
    private readonly offload = false,
    /** Peers that said they run no tasks: not probed for offload. */
    noTasks?: NoTaskPeers,
    /**
     * How long an answer may wait while other tasks of this worker still run, so that their answers
     * leave in the same frame (one frame and one journal round at the keeper for several tasks); 0
     * sends each as soon as no frame of its job is out.
     */
    private readonly answerLingerMs = 0,
  ) {
    this.offloader = new Offloader(ring, clock, rpcTimeoutMs, noTasks);
  }

  /** How many tasks this worker wants queued or running: about TARGET_QUEUE_MS of work at its pace. */
  depth(): number {
    if (this.doneTasks === 0) return 2;
    const meanMs = Math.max(1, this.busyMs / this.doneTasks);
    const width = this.width();
    return Math.max(width, Math.min(MAX_TASKS_PER_RUN, Math.round((TARGET_QUEUE_MS * width) / meanMs)));
  }

  /** Tasks run at once now: all the slots while tasks are quick, else one (a first task runs alone). */
  private width(): number {
    return this.recentMs !== undefined && this.recentMs < QUICK_TASK_MS ? this.slots : 1;
  }

  /** Tasks running now (an idle worker has none and nothing queued). */
  load(): number {
    return this.current.size + this.queue.length;
  }

  /** Tasks this worker ran, and the time they ran in all (what its volunteer lent). */
  get counters(): { tasksRun: number; busyMs: number; running: number; queued: number } {
    return { tasksRun: this.doneTasks, busyMs: this.busyMs, running: this.current.size, queued: this.queue.length };
  }

  /** Whether new tasks are refused (its volunteer's limits). */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Pause: refuse new tasks as a busy worker does, hand back the queued ones (their keeper retries
   * them elsewhere once they time out) and let the running ones end. Resume takes tasks again.
   */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.queue.length = 0;
    else this.fill();
  }

  /** Drop the queue and send no more answers (the peer is shutting down). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    for (const c of this.current) c.abort.abort();
    for (const timer of this.lingering.values()) this.clock.cancel(timer);
    this.lingering.clear();
  }

  onRun(env: Envelope): void {
    const c = check(RunBody, env.body, 'jobs run body');
    if (!c.ok) {
      this.stats.badBodies++;
      return void this.ring.reply(env, { type: 'error', code: c.error.code, message: c.error.message.slice(0, 1000) });
    }
    const { jobId, user, phases, tasks } = c.value;
    if (this.paused || this.queue.length + tasks.length > MAX_QUEUED) return void this.ring.reply(env, { type: 'busy' });
    for (const task of tasks) {
      const phase = phases.find((p) => p.phase === task.phase);
      if (phase === undefined) return void this.ring.reply(env, { type: 'error', code: 'INVALID_ARGUMENT', message: `task of phase ${task.phase} without its phase` });
    }
    for (const task of tasks) this.queue.push({ jobId, user, phase: phases.find((p) => p.phase === task.phase)!, task });
    this.ring.reply(env, { type: 'accepted', depth: this.depth() });
    this.fill();
  }

  /** Start queued tasks while a slot is free; tasks left waiting may go to an idle neighbour. */
  private fill(): void {
    while (!this.stopped && !this.paused && this.current.size < this.width() && this.queue.length > 0) void this.runOne(this.queue.shift()!);
    if (this.stopped || this.queue.length === 0 || !this.offload) return;
    void this.offloader.round(
      () => (this.stopped ? 0 : this.queue.length),
      // The last queued would wait longest.
      (n) => this.queue.splice(Math.max(0, this.queue.length - n)),
      (q) => {
        this.queue.unshift(q);
        this.fill();
      },
    );
  }

  /** A busy neighbour asks whether we would start its tasks now: our free slots, when nothing waits. */
  onProbe(env: Envelope): void {
    const room = this.stopped || this.paused || this.queue.length > 0 ? 0 : Math.max(0, this.width() - this.current.size);
    this.ring.reply(env, { type: 'probe', room });
  }

  private async runOne(q: Queued): Promise<void> {
    const startMs = this.clock.now();
    const running = { jobId: q.jobId, abort: new AbortController() };
    this.current.add(running);
    const report = await this.runner.run(q.jobId, q.phase, q.task, { user: q.user, signal: running.abort.signal });
    this.current.delete(running);
    const runMs = Math.max(0, Math.round(this.clock.now() - startMs));
    this.busyMs += runMs;
    this.recentMs = this.recentMs === undefined ? runMs : (1 - RECENT_WEIGHT) * this.recentMs + RECENT_WEIGHT * runMs;
    this.doneTasks++;
    // A cancelled job's keeper has ended it: an answer would only be refused.
    if (!this.stopped && !running.abort.signal.aborted) {
      const a: Answer = { phase: q.task.phase, index: q.task.index, attempt: q.task.attempt, report: report.outcome === 'ok' ? { ...report, runMs } : report };
      this.origins.set(a, q);
      this.answer(q.jobId, a);
    }
    this.fill();
  }

  /** The keeper cancelled a job: drop its queued tasks and stop its running ones. */
  onCancel(env: Envelope): void {
    const c = check(CancelRunBody, env.body, 'jobs cancel-run body');
    if (!c.ok) return void this.stats.badBodies++;
    const { jobId } = c.value;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.jobId === jobId) this.queue.splice(i, 1);
    for (const r of this.current) if (r.jobId === jobId) r.abort.abort();
    this.offloader.cancel(jobId);
  }

  /** A peer crashed: the tasks this worker handed to it are answered lost, so their keepers retry them now. */
  onPeerGone(peer: PeerId): void {
    if (this.stopped) return;
    for (const q of this.offloader.lost(peer)) {
      this.answer(q.jobId, { phase: q.task.phase, index: q.task.index, attempt: q.task.attempt, report: { outcome: 'error', exitCode: 70, message: `neighbour ${peer.slice(0, 8)} running the task left the ring`, stderr: '' } });
    }
  }

  /** Queue an answer; it leaves when its job's frames allow (send). */
  private answer(jobId: string, a: Answer): void {
    let list = this.unsent.get(jobId);
    if (list === undefined) {
      this.unsent.set(jobId, (list = []));
      this.unsentSinceMs.set(jobId, this.clock.now());
    }
    list.push(a);
    this.send(jobId);
  }

  /**
   * Send the job's waiting answers in a frame, unless one of its frames is out (they go with the
   * next) or, with answerLingerMs, other tasks still run and the oldest waiting answer has waited
   * less than that (they go within it, with theirs, or once they fill a frame).
   */
  private send(jobId: string): void {
    const list = this.unsent.get(jobId);
    if (list === undefined || this.sending.has(jobId) || this.stopped) return;
    const waitMs = this.unsentSinceMs.get(jobId)! + this.answerLingerMs - this.clock.now();
    if (this.answerLingerMs > 0 && this.current.size > 0 && list.length < MAX_ANSWERS_PER_FRAME && waitMs > 0) {
      if (!this.lingering.has(jobId)) {
        this.lingering.set(jobId, this.clock.setTimer(waitMs, () => {
          this.lingering.delete(jobId);
          this.send(jobId);
        }));
      }
      return;
    }
    const timer = this.lingering.get(jobId);
    if (timer !== undefined) this.clock.cancel(timer);
    this.lingering.delete(jobId);
    const frame = list.splice(0, MAX_ANSWERS_PER_FRAME);
    if (list.length === 0) {
      this.unsent.delete(jobId);
      this.unsentSinceMs.delete(jobId);
    } else this.unsentSinceMs.set(jobId, this.clock.now());
    this.sending.add(jobId);
    void this.deliver(jobId, frame).finally(() => {
      this.sending.delete(jobId);
      this.send(jobId);
    });
  }

  /** Send one frame of answers to the job's key until a keeper takes it (each recorded or ignored) or the attempts run out. */
  private async deliver(jobId: string, answers: Answer[]): Promise<void> {
    for (let i = 0; i < ANSWER_ATTEMPTS && !this.stopped; i++) {
      const r = await this.ring
        .request(jobKey(jobId), JOBS_SVC, 'done', { jobId, answers }, { timeoutMs: this.rpcTimeoutMs })
        .then((env) => check(DoneReply, env.body, 'jobs done reply'))
        .catch(() => undefined);
      if (r?.ok && r.value.type === 'verdicts') return this.discardLost(answers, r.value.verdicts);
      await new Promise<void>((resolve) => this.clock.setTimer(ANSWER_BACKOFF_MS, resolve));
    }
  }

  /** The runner removes the outputs of the answers a keeper refused for good. */
  private discardLost(answers: readonly Answer[], verdicts: ReadonlyArray<{ type: string; reason?: string }>): void {
    if (this.runner.discard === undefined) return;
    answers.forEach((a, i) => {
      const v = verdicts[i];
      const q = this.origins.get(a);
      if (q === undefined || a.report.outcome !== 'ok' || v?.type !== 'ignored' || !LOST_REASONS.has(v.reason ?? '')) return;
      this.stats.discardedOutputs++;
      void this.runner.discard!(q.jobId, q.phase, q.task, q.user);
    });
  }
}
