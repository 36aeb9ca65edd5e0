// A worker: it takes run frames from keepers into a small queue, runs one task at a time through
// its TaskRunner (the executor over storage on a real peer, a model of time in the simulator) and
// answers each attempt to the job's key, so the answer reaches whichever peer keeps the job then.
// Its queue depth follows its speed: about TARGET_QUEUE_MS of work, from the mean task time so far.
import { check } from '../../../core/codec.js';
import type { Envelope } from '../../../core/envelope.js';
import type { Clock } from '../../../env/ports.js';
import type { RingPort } from '../../../overlay/port.js';
import { JOBS_SVC } from './constants.js';
import { jobKey } from './keys.js';
import { DoneReply, MAX_TASKS_PER_RUN, RunBody, type RunPhase, type RunTask, type TaskReport } from './messages.js';
import type { JobsStats } from './stats.js';
import { CancelRunBody } from './api-messages.js';

/** Whose job a task is of, and the signal that cancels it. */
export interface TaskContext {
  user: string;
  signal: AbortSignal;
}

/** How a worker runs one task: reads its input, runs its exec, stores its output, reports. Never rejects. */
export interface TaskRunner {
  run(jobId: string, phase: RunPhase, task: RunTask, ctx: TaskContext): Promise<TaskReport>;
}

/** Work a worker keeps queued, in ms of its own mean task time: enough to never idle between frames. */
const TARGET_QUEUE_MS = 2000;
/** Attempts to deliver one answer (the keeper may be moving), and the pause between them. */
const ANSWER_ATTEMPTS = 6;
const ANSWER_BACKOFF_MS = 500;

interface Queued {
  jobId: string;
  user: string;
  phase: RunPhase;
  task: RunTask;
}

export class Worker {
  private readonly queue: Queued[] = [];
  private running = false;
  /** The job of the task running now, and what stops it. */
  private current: { jobId: string; abort: AbortController } | undefined;
  private stopped = false;
  private doneTasks = 0;
  private busyMs = 0;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly runner: TaskRunner,
    private readonly rpcTimeoutMs: number,
    private readonly stats: JobsStats,
  ) {}

  /** How many tasks this worker wants queued: about TARGET_QUEUE_MS of work. */
  depth(): number {
    if (this.doneTasks === 0) return 2;
    const meanMs = Math.max(1, this.busyMs / this.doneTasks);
    return Math.max(1, Math.min(MAX_TASKS_PER_RUN, Math.round(TARGET_QUEUE_MS / meanMs)));
  }

  /** Drop the queue and send no more answers (the peer is shutting down). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.current?.abort.abort();
  }

  onRun(env: Envelope): void {
    const c = check(RunBody, env.body, 'jobs run body');
    if (!c.ok) {
      this.stats.badBodies++;
      return void this.ring.reply(env, { type: 'error', code: c.error.code, message: c.error.message.slice(0, 1000) });
    }
    const { jobId, user, phases, tasks } = c.value;
    if (this.queue.length + tasks.length > 2 * MAX_TASKS_PER_RUN) return void this.ring.reply(env, { type: 'busy' });
    for (const task of tasks) {
      const phase = phases.find((p) => p.phase === task.phase);
      if (phase === undefined) return void this.ring.reply(env, { type: 'error', code: 'INVALID_ARGUMENT', message: `task of phase ${task.phase} without its phase` });
    }
    for (const task of tasks) this.queue.push({ jobId, user, phase: phases.find((p) => p.phase === task.phase)!, task });
    this.ring.reply(env, { type: 'accepted', depth: this.depth() });
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let q = this.queue.shift(); q !== undefined; q = this.queue.shift()) {
      const startMs = this.clock.now();
      const abort = new AbortController();
      this.current = { jobId: q.jobId, abort };
      const report = await this.runner.run(q.jobId, q.phase, q.task, { user: q.user, signal: abort.signal });
      this.current = undefined;
      this.busyMs += this.clock.now() - startMs;
      this.doneTasks++;
      // A cancelled job's keeper has ended it: an answer would only be refused.
      if (!this.stopped && !abort.signal.aborted) void this.answer(q, report);
    }
    this.running = false;
  }

  /** The keeper cancelled a job: drop its queued tasks and stop the one running. */
  onCancel(env: Envelope): void {
    const c = check(CancelRunBody, env.body, 'jobs cancel-run body');
    if (!c.ok) return void this.stats.badBodies++;
    const { jobId } = c.value;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.jobId === jobId) this.queue.splice(i, 1);
    if (this.current?.jobId === jobId) this.current.abort.abort();
  }

  /** Send the answer to the job's key until a keeper takes it (recorded or ignored) or the attempts run out. */
  private async answer(q: Queued, report: TaskReport): Promise<void> {
    const body = { jobId: q.jobId, phase: q.task.phase, index: q.task.index, attempt: q.task.attempt, report };
    for (let i = 0; i < ANSWER_ATTEMPTS && !this.stopped; i++) {
      const r = await this.ring
        .request(jobKey(q.jobId), JOBS_SVC, 'done', body, { timeoutMs: this.rpcTimeoutMs })
        .then((env) => check(DoneReply, env.body, 'jobs done reply'))
        .catch(() => undefined);
      if (r?.ok && (r.value.type === 'recorded' || r.value.type === 'ignored')) return;
      await new Promise<void>((resolve) => this.clock.setTimer(ANSWER_BACKOFF_MS, resolve));
    }
  }
}
