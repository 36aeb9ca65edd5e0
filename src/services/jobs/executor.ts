// The executor interface: how the jobs engine runs one task, whatever kind of exec it is. A
// builtin pipeline (builtin-executor.ts) runs in the worker's own process as the project's own
// trusted code; a JavaScript module or a WebAssembly/WASI module (issue 22) runs in a sandbox
// behind the same interface, so the engine places, times, cancels and collects every kind of task
// the same way.
//
// The life of a task, as the engine sees it:
//   1. When a job is created, `prepare(spec)` checks each phase's exec and returns a prepared
//      program, or throws an ExecRefusedError (code INVALID_ARGUMENT) whose message and `token`
//      the engine puts in its 400. Nothing that prepare accepts may later be refused for its
//      syntax. A prepared program can run any number of tasks (it holds no per-task state).
//   2. For each task, `start(prepared, input)` starts it at once and returns a RunningTask. The
//      engine must read `stdout` to its end (that is the task's output object; reading it at
//      storage's pace is the backpressure of the whole task), then await `result`.
//   3. `result` always settles (it never rejects): with outcome 'exited' when the program ended
//      on its own, whatever its exit code, or with the reason it was stopped. The output read
//      from stdout is the task's whole output only when the outcome is 'exited'; after a stop,
//      stdout's iteration throws the stop's error (a CumulusError) so that a partial output is
//      never mistaken for a whole one.
//   4. `cancel()` (or the input's AbortSignal) stops the task: its work ends at its next step
//      (builtins check between chunks and every few MB of work), blocked reads and writes wake,
//      and result settles with outcome 'cancelled'. Cancelling a finished task does nothing.
//
// What the engine decides from a result (its policy, not the executor's): 'exited' with code 0
// commits the output; 'exited' with another code is the user's failure (not retried; stderr goes
// to the job's errors); 'limit' is the user's failure too; 'timeout' and 'error' may be retried
// on another peer; 'cancelled' is what the engine asked for.
import type { LimitKind } from './exec/errors.js';

/** The kinds of exec. Issue 22 adds 'js' and 'wasm' executors behind this same interface. */
export type ExecKind = 'builtin' | 'js' | 'wasm';

/** What a phase's exec is, as the job describes it. */
export interface ExecSpec {
  kind: ExecKind;
  /** For 'builtin', the pipeline (`grep -c error | …`); for other kinds, their entry point and arguments. */
  exec: string;
  /** Paths of assets the task needs (a module, a WASI binary); the engine fetches them before start. */
  assets?: readonly string[];
}

/** The bounds of one task. The executor enforces every one of them. */
export interface TaskLimits {
  /** Wall-clock time from start to a stop with outcome 'timeout' (the phase's `timeout`). */
  timeoutMs: number;
  /**
   * Memory the task may hold. Builtins count what they buffer (sort's buffer, tail's lines, awk's
   * arrays and strings) against it; a sandbox caps its heap with it.
   */
  memoryBytes: number;
  /** Bytes the task may write to stdout; past it the task stops with outcome 'limit' ('output'). */
  outputBytes: number;
}

/** An asset's bytes, fetched by the engine before start, with their SHA-256 (hex), by which sandboxes cache what they compile. */
export interface TaskAsset {
  path: string;
  bytes: Uint8Array;
  hash: string;
}

/** What one task is given. */
export interface TaskInput {
  /** Its standard input: the input object's bytes (map) or its share of the previous phase's output (reduce). */
  stdin: AsyncIterable<Uint8Array>;
  limits: TaskLimits;
  /**
   * Environment the task may read (like Manta's MANTA_INPUT_OBJECT): sandboxed kinds expose it;
   * builtins have no variables ($VAR is refused when the job is created), so they ignore it.
   */
  env?: Readonly<Record<string, string>>;
  /** Aborting it cancels the task, as cancel() does. */
  signal?: AbortSignal;
  /** The phase's assets, in the order the phase names them (a js or wasm task's module is the first). */
  assets?: readonly TaskAsset[];
}

/** How a task ended. */
export type TaskOutcome =
  /** The program ended on its own; exitCode is its status (a pipeline's is its last stage's, as in sh). */
  | 'exited'
  /** It ran past limits.timeoutMs. */
  | 'timeout'
  /** cancel() or the signal stopped it. */
  | 'cancelled'
  /** It went past a bound: memory, output, a line's length, a regex's work… (`limit` says which). */
  | 'limit'
  /** The executor itself failed (a bug, a sandbox that crashed): not the user's fault. */
  | 'error';

/** The exit codes a stopped task reports, as a shell would see such an end. */
export const STOPPED_EXIT_CODES: Readonly<Record<Exclude<TaskOutcome, 'exited'>, number>> = {
  timeout: 124,
  cancelled: 130,
  limit: 137,
  error: 70,
};

export interface TaskCounters {
  stdinBytes: number;
  stdoutBytes: number;
  /** Every byte written to stderr, of which `stderr` keeps the first 4 KiB. */
  stderrBytes: number;
  /** The most memory the task accounted for at once. */
  peakMemoryBytes: number;
  /** Bytes the task spilled to its store (sort's runs). */
  spilledBytes: number;
  /** Time from start to end, on the executor's clock. */
  elapsedMs: number;
}

export interface TaskResult {
  outcome: TaskOutcome;
  exitCode: number;
  /** The first 4 KiB (STDERR_KEEP_BYTES) of what the task wrote to stderr. */
  stderr: Uint8Array;
  /** Why the task was stopped, for people; absent when it exited. */
  message?: string;
  /** Which bound a 'limit' outcome hit. */
  limit?: LimitKind;
  counters: TaskCounters;
}

export interface RunningTask {
  /** The task's standard output; read it to its end, then await result. */
  readonly stdout: AsyncIterable<Uint8Array>;
  /** Settles once the task has ended and its resources are released; never rejects. */
  readonly result: Promise<TaskResult>;
  /** Stop the task (outcome 'cancelled'); does nothing once it has ended. */
  cancel(): void;
}

/** One kind of exec: check it once per job, run it once per task. */
export interface Executor<Prepared = unknown> {
  readonly kind: ExecKind;
  /** Check an exec; throws ExecRefusedError (INVALID_ARGUMENT, with the offending token) when it cannot run. */
  prepare(spec: ExecSpec): Prepared;
  /** Start a task now. */
  start(prepared: Prepared, input: TaskInput): RunningTask;
}
