// The executors of sandboxed kinds, 'js' and 'wasm': a task's module (the phase's first asset)
// runs in a sandbox from the peer's pool (pool.ts; a worker thread in Node, a Web Worker in a
// tab), which the host drives over protocol.ts. The host enforces every bound it can from outside:
// the timeout and a cancel end the sandbox (it is replaced for the next task), stdout is counted
// against the output limit and flows at the engine's pace (acks), stderr keeps its first 4 KiB.
// Inside, the sandbox bounds WASM memory and output itself; a Node sandbox's heap is bounded by
// the worker's resource limits, and a sandbox that dies of it fails its task with 'limit'.
import { CumulusError } from '../../../core/errors.js';
import type { Clock } from '../../../env/ports.js';
import { Pipe } from '../exec/pipe.js';
import { ExecRefusedError, LimitExceededError, TaskCancelledError } from '../exec/errors.js';
import { STOPPED_EXIT_CODES, type ExecSpec, type Executor, type RunningTask, type TaskInput, type TaskResult } from '../executor.js';
import type { Sandbox, SandboxPool } from './pool.js';
import { STDERR_SENT_BYTES, type FromSandbox, type SandboxKind } from './protocol.js';

/** Bytes of stdout the host holds for the engine before it stops acknowledging. */
const STDOUT_PIPE_BYTES = 256 * 1024;
/** Words an exec may have (the export or argv[0], then the arguments). */
const MAX_ARGS = 256;
/** Longest a task waits for a sandbox to be ready (a worker started and locked down) before it fails as the executor's error. */
const SANDBOX_START_TIMEOUT_MS = 120_000;
/** Exit status of a module that cannot run (malformed, wrong imports, no such export), as sh says of a file it cannot execute. */
export const CANNOT_EXECUTE_STATUS = 126;

export interface SandboxProgram {
  kind: SandboxKind;
  argv: string[];
}

export interface SandboxCounters {
  tasks: number;
  /** Tasks whose module the sandbox had compiled already. */
  cacheHits: number;
}

export class SandboxExecutor implements Executor<SandboxProgram> {
  readonly counters: SandboxCounters = { tasks: 0, cacheHits: 0 };
  private nextTask = 0;

  constructor(
    readonly kind: SandboxKind,
    private readonly clock: Clock,
    private readonly pool: SandboxPool,
  ) {}

  prepare(spec: ExecSpec): SandboxProgram {
    if (spec.kind !== this.kind) throw new ExecRefusedError(spec.kind, `this executor runs ${this.kind} tasks only`);
    if (spec.assets === undefined || spec.assets.length === 0) throw new ExecRefusedError(spec.exec, `a ${this.kind} task needs its module as the phase's first asset`);
    const argv = spec.exec.trim().split(/\s+/);
    if (argv.length > MAX_ARGS) throw new ExecRefusedError(argv[MAX_ARGS]!, `at most ${MAX_ARGS} words`);
    if (this.kind === 'js' && !/^[A-Za-z_$][\w$]*$/.test(argv[0]!)) throw new ExecRefusedError(argv[0]!, 'a js exec starts with the name of the function the module exports');
    return { kind: this.kind, argv };
  }

  start(program: SandboxProgram, input: TaskInput): RunningTask {
    const task = new SandboxTask(this.clock, this.pool, program, input, this.nextTask++);
    const result = task.run().then((r) => {
      this.counters.tasks++;
      if (task.cacheHit) this.counters.cacheHits++;
      return r;
    });
    return { stdout: task.stdout.readable(), result, cancel: () => task.stop(new TaskCancelledError('cancelled')) };
  }
}

type Stop = TaskCancelledError | LimitExceededError | { outcome: 'error'; message: string };

/** One task's run in one sandbox, from acquiring it to releasing (or ending) it. */
class SandboxTask {
  readonly stdout = new Pipe(STDOUT_PIPE_BYTES);
  cacheHit = false;
  private sandbox: Sandbox | undefined;
  private stopReason: Stop | undefined;
  private finish!: (end: Extract<FromSandbox, { t: 'exit' | 'failed' }> | null) => void;
  private readonly ended = new Promise<Extract<FromSandbox, { t: 'exit' | 'failed' }> | null>((resolve) => (this.finish = resolve));
  private readonly counters = { stdinBytes: 0, stdoutBytes: 0, stderrBytes: 0 };
  private stderr: Uint8Array[] = [];
  private stderrKept = 0;
  private stdinIterator: AsyncIterator<Uint8Array> | undefined;
  private timer!: ReturnType<Clock['setTimer']>;
  /** Messages are handled one after another: a stdout write may wait for the engine. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly pool: SandboxPool,
    private readonly program: SandboxProgram,
    private readonly input: TaskInput,
    private readonly id: number,
  ) {}

  async run(): Promise<TaskResult> {
    const startedMs = this.clock.now();
    // Until a sandbox is ready, a start bound; then the task's own timeout, from when it runs: a
    // sandbox slow to start on a loaded machine is not the task's time.
    this.timer = this.clock.setTimer(SANDBOX_START_TIMEOUT_MS, () => this.stop({ outcome: 'error', message: `no sandbox was ready within ${SANDBOX_START_TIMEOUT_MS} ms` }));
    const onAbort = () => this.stop(new TaskCancelledError('cancelled'));
    if (this.input.signal?.aborted) onAbort();
    this.input.signal?.addEventListener('abort', onAbort, { once: true });
    let end: Extract<FromSandbox, { t: 'exit' | 'failed' }> | null = null;
    try {
      end = await this.runInSandbox();
    } catch (e) {
      this.stop({ outcome: 'error', message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.clock.cancel(this.timer);
      this.input.signal?.removeEventListener('abort', onAbort);
      if (this.sandbox !== undefined) this.pool.release(this.sandbox);
      void this.stdinIterator?.return?.();
    }
    return this.result(end, this.clock.now() - startedMs);
  }

  /** Stop the task: end its sandbox (the pool replaces it) and fail its stdout. */
  stop(reason: Stop): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.sandbox?.end();
    this.stdout.fail(reason instanceof Error ? reason : new CumulusError('INTERNAL', reason.message));
    this.finish(null);
  }

  private async runInSandbox(): Promise<Extract<FromSandbox, { t: 'exit' | 'failed' }> | null> {
    const module = this.input.assets?.[0];
    if (module === undefined) throw new Error('the task\'s module was not fetched');
    const sandbox = await Promise.race([this.pool.acquire(this.input.limits.memoryBytes), this.ended.then(() => null)]);
    if (sandbox === null) return null;
    this.sandbox = sandbox;
    this.clock.cancel(this.timer);
    this.timer = this.clock.setTimer(this.input.limits.timeoutMs, () => this.stop(new TaskCancelledError('timeout')));
    if (this.stopReason !== undefined) {
      sandbox.end();
      return null;
    }
    sandbox.lend(
      (m) => (this.chain = this.chain.then(() => this.onMessage(m)).catch((e: unknown) => this.stop({ outcome: 'error', message: String(e) }))),
      (reason, message) => this.stop(reason === 'oom' ? new LimitExceededError('memory', `the task ran out of its ${this.input.limits.memoryBytes} bytes of heap`) : { outcome: 'error', message: `the sandbox crashed: ${message}` }),
    );
    sandbox.channel.post({
      t: 'run', task: this.id, kind: this.program.kind, hash: module.hash, module: module.bytes, argv: this.program.argv,
      env: Object.entries(this.input.env ?? {}), memoryBytes: this.input.limits.memoryBytes, outputBytes: this.input.limits.outputBytes,
    });
    return this.ended;
  }

  private async onMessage(m: FromSandbox): Promise<void> {
    if (this.stopReason !== undefined || m.t === 'ready' || m.task !== this.id) return;
    if (m.t === 'pull') {
      this.stdinIterator ??= this.input.stdin[Symbol.asyncIterator]();
      const next = await this.stdinIterator.next();
      // A copy of its own, transferred: the chunk may be a view into a larger buffer (a Node
      // Buffer's pool, the caller's whole input), which a transfer would detach.
      const chunk = next.done === true ? null : new Uint8Array(next.value);
      if (chunk !== null) this.counters.stdinBytes += chunk.length;
      this.sandbox?.channel.post({ t: 'stdin', task: this.id, chunk }, chunk === null ? [] : [chunk.buffer]);
    } else if (m.t === 'out' && m.fd === 2) {
      this.counters.stderrBytes += m.chunk.length;
      const part = m.chunk.subarray(0, Math.max(0, STDERR_SENT_BYTES - this.stderrKept));
      this.stderr.push(part);
      this.stderrKept += part.length;
    } else if (m.t === 'out') {
      this.counters.stdoutBytes += m.chunk.length;
      if (this.counters.stdoutBytes > this.input.limits.outputBytes) return this.stop(new LimitExceededError('output', `the task wrote more than its ${this.input.limits.outputBytes} bytes of output`));
      if (!(await this.stdout.write(m.chunk))) return this.stop(new TaskCancelledError('cancelled'));
      this.sandbox?.channel.post({ t: 'ack', task: this.id, bytes: m.chunk.length });
    } else {
      this.cacheHit = m.cacheHit;
      this.counters.stderrBytes = Math.max(this.counters.stderrBytes, m.stderrBytes);
      if (m.t === 'failed' && m.failure !== 'refused') {
        const limit = m.failure === 'limit-memory' ? 'memory' : 'output';
        return this.stop(new LimitExceededError(limit, m.message));
      }
      if (m.t === 'failed') this.addStderr(`${m.message}\n`);
      this.stdout.end();
      this.finish(m);
    }
  }

  private addStderr(text: string): void {
    const bytes = new TextEncoder().encode(text).subarray(0, Math.max(0, STDERR_SENT_BYTES - this.stderrKept));
    this.stderr.push(bytes);
    this.stderrKept += bytes.length;
    this.counters.stderrBytes += bytes.length;
  }

  private result(end: Extract<FromSandbox, { t: 'exit' | 'failed' }> | null, elapsedMs: number): TaskResult {
    const stop = this.stopReason;
    if (stop !== undefined && stop instanceof LimitExceededError) this.addStderr(`${stop.message}\n`);
    const stderr = new Uint8Array(this.stderrKept);
    let at = 0;
    for (const p of this.stderr) {
      stderr.set(p, at);
      at += p.length;
    }
    const counters = { ...this.counters, peakMemoryBytes: 0, spilledBytes: 0, elapsedMs };
    if (stop === undefined && end !== null) {
      const exitCode = end.t === 'exit' ? end.code : CANNOT_EXECUTE_STATUS;
      return { outcome: 'exited', exitCode, stderr, ...(end.t === 'failed' && { message: end.message }), counters };
    }
    const outcome = stop instanceof TaskCancelledError ? stop.reason : stop instanceof LimitExceededError ? 'limit' : 'error';
    return {
      outcome, exitCode: STOPPED_EXIT_CODES[outcome], stderr, message: stop?.message ?? 'the task ended without a result', counters,
      ...(stop instanceof LimitExceededError && { limit: stop.limit }),
    };
  }
}
