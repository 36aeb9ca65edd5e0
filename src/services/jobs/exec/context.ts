// What a running tool may use: its limits, the task's memory budget, a way to yield to the host
// and to notice cancellation, its stderr, and the spill store. One TaskControl per task holds the
// shared state; each stage gets a ToolContext that names it in its messages.
import type { Store } from '../../../env/ports.js';
import { LimitExceededError, type StopReason } from './errors.js';
import type { ExecLimits } from './limits.js';
import { STDERR_KEEP_BYTES } from './limits.js';

/** The task-wide state every stage shares. */
export class TaskControl {
  private stopped: StopReason | undefined;
  private readonly stopListeners = new Set<(e: Error) => void>();
  private workSinceYield = 0;
  private memoryBytes = 0;
  peakMemoryBytes = 0;
  spilledBytes = 0;
  private readonly stderrKept: string[] = [];
  private stderrKeptBytes = 0;
  stderrBytes = 0;

  constructor(
    readonly limits: Readonly<ExecLimits>,
    private readonly memoryLimitBytes: number,
    readonly yieldToHost: () => Promise<void>,
    /** Where sort spills its runs, under a prefix of its own; absent, sort fails past its buffer. */
    readonly spill: Store | undefined,
  ) {}

  /** Stop the task: every stage's next checkpoint, pause, pipe read or pipe write throws `why`. */
  stop(why: StopReason): void {
    if (this.stopped !== undefined) return;
    this.stopped = why;
    for (const fn of [...this.stopListeners]) fn(why);
    this.stopListeners.clear();
  }

  get stopReason(): StopReason | undefined {
    return this.stopped;
  }

  /** Call fn once when the task stops (at once if it has); returns a function that unregisters it. */
  onStop(fn: (e: Error) => void): () => void {
    if (this.stopped !== undefined) {
      fn(this.stopped);
      return () => {};
    }
    this.stopListeners.add(fn);
    return () => this.stopListeners.delete(fn);
  }

  /** Throws the stop reason when the task has been stopped. */
  checkpoint(): void {
    if (this.stopped !== undefined) throw this.stopped;
  }

  /** Count work; true when the caller should `await pause()` to let the host run. */
  work(units: number): boolean {
    this.workSinceYield += units;
    return this.workSinceYield >= this.limits.sliceWork;
  }

  /** Let the host's event loop run (timers, network, a cancel), then go on unless stopped. */
  async pause(): Promise<void> {
    this.workSinceYield = 0;
    this.checkpoint();
    await this.yieldToHost();
    this.checkpoint();
  }

  /** Take bytes from the memory budget; past it the task fails. */
  reserve(bytes: number): void {
    this.memoryBytes += bytes;
    if (this.memoryBytes > this.peakMemoryBytes) this.peakMemoryBytes = this.memoryBytes;
    if (this.memoryBytes > this.memoryLimitBytes) {
      const e = new LimitExceededError('memory', `the task needs more than its ${this.memoryLimitBytes} bytes of memory`);
      this.stop(e);
      throw e;
    }
  }

  release(bytes: number): void {
    this.memoryBytes = Math.max(0, this.memoryBytes - bytes);
  }

  /** Append to the task's stderr; only the first STDERR_KEEP_BYTES are kept. */
  writeStderr(text: string): void {
    this.stderrBytes += text.length;
    const room = STDERR_KEEP_BYTES - this.stderrKeptBytes;
    if (room <= 0) return;
    const kept = text.length <= room ? text : text.slice(0, room);
    this.stderrKept.push(kept);
    this.stderrKeptBytes += kept.length;
  }

  /** The kept stderr as a binary string. */
  stderrText(): string {
    return this.stderrKept.join('');
  }
}

/** One stage's view of its task. */
export class ToolContext {
  constructor(
    readonly task: TaskControl,
    /** The command's name, which prefixes its messages as GNU tools do ("grep: …"). */
    readonly name: string,
    /** A key prefix of this stage's own in the spill store. */
    readonly spillPrefix: string,
  ) {}

  get limits(): Readonly<ExecLimits> {
    return this.task.limits;
  }

  warn(message: string): void {
    this.task.writeStderr(`${this.name}: ${message}\n`);
  }

  work(units: number): boolean {
    return this.task.work(units);
  }

  pause(): Promise<void> {
    return this.task.pause();
  }

  checkpoint(): void {
    this.task.checkpoint();
  }

  reserve(bytes: number): void {
    this.task.reserve(bytes);
  }

  release(bytes: number): void {
    this.task.release(bytes);
  }
}
