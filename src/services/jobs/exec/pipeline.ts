// Runs a pipeline's stages concurrently, each a tool reading the one before it through a bounded
// Pipe. The first stage reads the task's stdin, the last one's output is the task's stdout,
// pulled by whoever consumes it (the engine writes it to storage at its own pace, which is the
// backpressure of the whole pipeline). A stage that stops reading closes its input pipe and the
// stage before it ends as if by SIGPIPE. A stage's own failure (grep's bad input, awk's runtime
// error) ends that stage with its status and a message, as in sh; a limit, a cancel or a bug in
// any stage stops the whole task.
import type { ToolContext } from './context.js';
import { ToolContext as Ctx, type TaskControl } from './context.js';
import { InternalFault, isStopReason, LimitExceededError, ToolFailure } from './errors.js';
import { PIPE_BUFFER_BYTES } from './limits.js';
import { Pipe } from './pipe.js';
import type { ToolRun } from './tool.js';

/** A prepared stage: its command's name and the function that runs it. */
export interface Stage {
  readonly name: string;
  readonly run: ToolRun;
}

/** The exit status of a stage stopped because the stage after it stopped reading (SIGPIPE). */
export const SIGPIPE_STATUS = 141;

export interface RunningPipeline {
  /** The last stage's output. It throws the task's stop reason if the task is stopped. */
  stdout: AsyncIterable<Uint8Array>;
  /** Every stage's exit status, once all have ended (after stdout has been read to its end). */
  statuses: Promise<number[]>;
}

export function startPipeline(stages: readonly Stage[], stdin: AsyncIterable<Uint8Array>, task: TaskControl): RunningPipeline {
  const pipes = stages.slice(1).map(() => new Pipe(PIPE_BUFFER_BYTES));
  task.onStop((e) => pipes.forEach((p) => p.fail(e)));
  const inputs: AsyncIterable<Uint8Array>[] = [guard(stdin, task), ...pipes.map((p) => p.readable())];
  const contexts = stages.map((s, i) => new Ctx(task, s.name, `stage${i}`));
  const gens = stages.map((s, i) => s.run(inputs[i]!, contexts[i]!));
  const pumps = gens.slice(0, -1).map((gen, i) => pump(gen, pipes[i]!, contexts[i]!, inputs[i]!));
  let resolveLast!: (status: number) => void;
  const last = new Promise<number>((r) => (resolveLast = r));
  const lastIndex = stages.length - 1;
  async function* stdout(): AsyncGenerator<Uint8Array, void, undefined> {
    let status = SIGPIPE_STATUS;
    try {
      for (;;) {
        const r = await step(gens[lastIndex]!, contexts[lastIndex]!);
        if (r.done) {
          status = r.value;
          break;
        }
        yield r.value;
      }
    } finally {
      await closeQuietly(gens[lastIndex]!);
      await closeQuietly(inputs[lastIndex]!);
      resolveLast(status);
    }
  }
  return { stdout: stdout(), statuses: Promise.all([...pumps, last]) };
}

/** Move a stage's pump from its generator to its pipe until it ends; resolves with its status. */
async function pump(gen: AsyncGenerator<Uint8Array, number>, pipe: Pipe, ctx: ToolContext, input: AsyncIterable<Uint8Array>): Promise<number> {
  let status = SIGPIPE_STATUS;
  try {
    for (;;) {
      const r = await step(gen, ctx);
      if (r.done) {
        status = r.value;
        break;
      }
      if (!(await pipe.write(r.value))) break;
    }
  } catch (e) {
    // The task has been stopped: the stop reason is already recorded.
    if (!isStopReason(e)) throw e;
  } finally {
    pipe.end();
    await closeQuietly(gen);
    await closeQuietly(input);
  }
  return status;
}

/**
 * One step of a stage. A ToolFailure ends the stage with its status (the message goes to
 * stderr); a limit or a cancel stops the task; anything else is a bug, which stops the task too.
 */
async function step(gen: AsyncGenerator<Uint8Array, number>, ctx: ToolContext): Promise<IteratorResult<Uint8Array, number>> {
  try {
    return await gen.next();
  } catch (e) {
    if (e instanceof ToolFailure) {
      ctx.warn(e.message);
      return { done: true, value: e.status };
    }
    const stop = isStopReason(e) ? e : new InternalFault(ctx.name, e);
    if (stop instanceof LimitExceededError) ctx.warn(stop.message);
    ctx.task.stop(stop);
    throw ctx.task.stopReason ?? stop;
  }
}

/** The task's stdin, ending its wait with the stop reason when the task is stopped. */
function guard(stdin: AsyncIterable<Uint8Array>, task: TaskControl): AsyncIterable<Uint8Array> {
  const it = stdin[Symbol.asyncIterator]();
  const next = (): Promise<IteratorResult<Uint8Array>> =>
    new Promise((resolve, reject) => {
      const off = task.onStop(reject);
      it.next().then(
        (r) => {
          off();
          resolve(r);
        },
        (e: unknown) => {
          off();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  const close = async (): Promise<IteratorResult<Uint8Array>> => {
    await it.return?.();
    return { done: true, value: undefined };
  };
  const guarded: AsyncIterableIterator<Uint8Array> = { next, return: close, [Symbol.asyncIterator]: () => guarded };
  return guarded;
}

async function closeQuietly(x: AsyncGenerator<Uint8Array, number> | AsyncIterable<Uint8Array>): Promise<void> {
  try {
    const it = 'return' in x && typeof x.return === 'function' ? x : x[Symbol.asyncIterator]();
    await it.return?.(undefined as never);
  } catch {
    // Closing an iterator that already failed has nothing left to report.
  }
}
