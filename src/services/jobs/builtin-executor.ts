// The executor of builtin pipelines: an exec of the builtins (cat, grep, sort, awk…) joined by
// `|`, run in the worker's own process as the project's own trusted code. Every limit of the
// task and of the tools is enforced here or in the tools (exec/limits.ts); the clock times the
// task out, the spill store takes sort's runs, and yieldToHost lets the worker's event loop run
// between slices of work so that a cancel or a timer gets through even to a CPU-bound pipeline.
import type { Clock, Store } from '../../env/ports.js';
import { PrefixStore } from '../../env/prefix-store.js';
import { bytesToBinary } from './exec/bytes.js';
import { TaskControl } from './exec/context.js';
import { ExecRefusedError, InternalFault, LimitExceededError, TaskCancelledError, type StopReason } from './exec/errors.js';
import { DEFAULT_EXEC_LIMITS, type ExecLimits } from './exec/limits.js';
import { startPipeline } from './exec/pipeline.js';
import { compileExec, type Program } from './exec/program.js';
import { STOPPED_EXIT_CODES, type ExecSpec, type Executor, type RunningTask, type TaskInput, type TaskResult } from './executor.js';

export interface BuiltinExecutorPorts {
  clock: Clock;
  /**
   * Where sort spills its runs: a Store this executor may use alone (a PrefixStore over the
   * worker's store). Each task writes under a key prefix of its own and deletes it when it ends.
   * Without one, sort fails when its input outgrows its buffer.
   */
  spill?: Store;
  /** Let the host's event loop run (Node: setImmediate); by default a zero-delay timer on the clock. */
  yieldToHost?: () => Promise<void>;
  /** The tools' limits, over the defaults (tests lower them). */
  limits?: Partial<ExecLimits>;
}

export class BuiltinExecutor implements Executor<Program> {
  readonly kind = 'builtin' as const;
  private readonly limits: Readonly<ExecLimits>;
  private readonly yieldToHost: () => Promise<void>;
  private nextTask = 0;

  constructor(private readonly ports: BuiltinExecutorPorts) {
    this.limits = { ...DEFAULT_EXEC_LIMITS, ...ports.limits };
    this.yieldToHost = ports.yieldToHost ?? (() => new Promise<void>((resolve) => ports.clock.setTimer(0, resolve)));
  }

  prepare(spec: ExecSpec): Program {
    if (spec.kind !== 'builtin') throw new ExecRefusedError(spec.kind, 'this executor runs builtin pipelines only');
    if (spec.assets !== undefined && spec.assets.length > 0) throw new ExecRefusedError(spec.assets[0]!, 'builtin pipelines take no assets');
    return compileExec(spec.exec);
  }

  start(program: Program, input: TaskInput): RunningTask {
    const { clock } = this.ports;
    const startedMs = clock.now();
    const limits: ExecLimits = { ...this.limits, sortBufferBytes: Math.min(this.limits.sortBufferBytes, Math.floor(input.limits.memoryBytes / 4)) };
    const spill = this.ports.spill === undefined ? undefined : new TaskSpill(this.ports.spill, `t${(this.nextTask++).toString(36)}`);
    const control = new TaskControl(limits, input.limits.memoryBytes, this.yieldToHost, spill?.store);
    const counters = { stdinBytes: 0, stdoutBytes: 0 };
    const timer = clock.setTimer(input.limits.timeoutMs, () => control.stop(new TaskCancelledError('timeout')));
    const cancel = () => control.stop(new TaskCancelledError('cancelled'));
    if (input.signal?.aborted) cancel();
    input.signal?.addEventListener('abort', cancel, { once: true });
    const running = startPipeline(program.stages, counted(input.stdin, counters), control);
    const stdout = limitOutput(running.stdout, input.limits.outputBytes, control, counters);
    const result = running.statuses.then(
      (statuses) => statuses,
      (e: unknown) => {
        control.stop(new InternalFault('pipeline', e));
        return [];
      },
    ).then(async (statuses): Promise<TaskResult> => {
      clock.cancel(timer);
      input.signal?.removeEventListener('abort', cancel);
      await spill?.clear();
      return this.result(control, statuses.at(-1) ?? 1, counters, clock.now() - startedMs);
    });
    return { stdout, result, cancel };
  }

  private result(control: TaskControl, lastStatus: number, counters: { stdinBytes: number; stdoutBytes: number }, elapsedMs: number): TaskResult {
    const stop: StopReason | undefined = control.stopReason;
    const outcome = stop === undefined ? 'exited' : stop instanceof TaskCancelledError ? stop.reason : stop instanceof LimitExceededError ? 'limit' : 'error';
    const stderr = control.stderrText();
    return {
      outcome,
      exitCode: outcome === 'exited' ? lastStatus : STOPPED_EXIT_CODES[outcome],
      stderr: Uint8Array.from(stderr, (c) => c.charCodeAt(0)),
      ...(stop !== undefined && { message: stop.message }),
      ...(stop instanceof LimitExceededError && { limit: stop.limit }),
      counters: { ...counters, stderrBytes: control.stderrBytes, peakMemoryBytes: control.peakMemoryBytes, spilledBytes: control.spilledBytes, elapsedMs },
    };
  }
}

/** A task's own corner of the spill store, deleted when the task ends. */
class TaskSpill {
  readonly store: PrefixStore;

  constructor(inner: Store, prefix: string) {
    this.store = PrefixStore.of(inner, `${prefix}/`);
  }

  async clear(): Promise<void> {
    await this.store.delRange({});
  }
}

async function* counted(stdin: AsyncIterable<Uint8Array>, counters: { stdinBytes: number }): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of stdin) {
    counters.stdinBytes += chunk.length;
    yield chunk;
  }
}

/** The pipeline's stdout, counted; past the output limit the task stops. */
async function* limitOutput(stdout: AsyncIterable<Uint8Array>, limitBytes: number, control: TaskControl, counters: { stdoutBytes: number }): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of stdout) {
    counters.stdoutBytes += chunk.length;
    if (counters.stdoutBytes > limitBytes) {
      const e = new LimitExceededError('output', `the task wrote more than its ${limitBytes} bytes of output`);
      control.writeStderr(`${e.message}\n`);
      control.stop(e);
      throw e;
    }
    yield chunk;
  }
  control.checkpoint();
}

/** The task's stderr as text (UTF-8 bytes shown as they are). */
export function stderrText(result: TaskResult): string {
  return bytesToBinary(result.stderr);
}
