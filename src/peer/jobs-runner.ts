// A real peer's TaskRunner: a map task reads its input object from storage, a reducer reads its
// partition of every committed output of the phase before it (the keeper names them); the phase's
// exec runs on its kind's executor (builtin, or a js or wasm sandbox with its module fetched by
// jobs-assets.ts) with those bytes streaming in, and its stdout streams into an
// output object under the job (paths.ts), cut into one object per partition when the next phase
// is a reduce of several reducers. An output that feeds a reduce has its first copy at the owner of
// its partition's key, where the keeper places that partition's reducer (jobs-placement.ts). How
// the task ended becomes the report the keeper journals.
import { errorCode } from '../core/errors.js';
import type { PeerId } from '../core/id.js';
import { partitionKey } from '../services/jobs/engine/keys.js';
import type { PutOptions, StorageClient } from '../services/storage/client.js';
import type { BuiltinExecutor } from '../services/jobs/builtin-executor.js';
import { stderrText } from '../services/jobs/builtin-executor.js';
import type { ExecKind, Executor } from '../services/jobs/executor.js';
import { concatBytes as concat } from '../services/jobs/exec/bytes.js';
import { Pipe } from '../services/jobs/exec/pipe.js';
import type { JobsClient } from '../services/jobs/engine/client.js';
import type { RunPhase, RunTask, TaskReport } from '../services/jobs/engine/messages.js';
import { lineKey, outputPath, partitionOf } from '../services/jobs/engine/paths.js';
import type { TaskContext, TaskRunner } from '../services/jobs/engine/worker.js';
import { JobAssets } from './jobs-assets.js';
import { attemptObjects, removeObjects } from './jobs-cleanup.js';

/** Prepared programs a worker keeps, by exec text (a job's tasks share one). */
const MAX_PREPARED = 64;
/** Bytes buffered per partition before they go down its pipe. */
const PARTITION_FLUSH_BYTES = 64 * 1024;
/** Bytes one partition's pipe holds before the splitter waits for storage. */
const PARTITION_PIPE_BYTES = 256 * 1024;

type FileStat = Extract<Awaited<ReturnType<StorageClient['stat']>>, { kind: 'file' }>;

export class StorageTaskRunner implements TaskRunner {
  private readonly prepared = new Map<string, { executor: Executor; program: unknown }>();
  readonly assets = new JobAssets();

  constructor(
    private readonly self: PeerId,
    private readonly storage: () => StorageClient | null,
    private readonly jobs: () => JobsClient,
    private readonly executor: BuiltinExecutor,
    /** The sandboxed kinds this peer runs (js, wasm), when it has sandboxes. */
    private readonly sandboxed: ReadonlyMap<ExecKind, Executor> = new Map(),
  ) {}

  async run(jobId: string, phase: RunPhase, task: RunTask, ctx: TaskContext): Promise<TaskReport> {
    const client = this.storage();
    if (client === null) return failure('error', 70, 'this peer lends no storage');
    try {
      const input = phase.type === 'map' ? await this.mapInput(client, task.input, ctx.user) : { stdin: this.reduceInput(client, jobId, phase, task.index), inputBytes: 0, localBytes: 0 };
      if ('report' in input) return input.report;
      const assets = phase.assets === undefined ? [] : await this.assets.load(client, ctx.user, jobId, phase.assets);
      if ('missing' in assets) return failure('not-found', 1, assets.missing);
      const { executor, program } = this.program(phase);
      const running = executor.start(program, { stdin: input.stdin, limits: phase, signal: ctx.signal, ...(assets.length > 0 && { assets }) });
      let stored: number | undefined;
      let storeError: unknown;
      try {
        stored = await this.store(client, running.stdout, jobId, phase, (k) => outputPath(ctx.user, jobId, phase.phase, task.index, task.attempt, k));
      } catch (e) {
        storeError = e;
        running.cancel();
      }
      const r = await running.result;
      // A failed attempt's output is no task's: remove whatever of it was stored.
      if (r.outcome !== 'exited' || r.exitCode !== 0 || stored === undefined) await this.discard(jobId, phase, task, ctx.user);
      const stderr = stderrText(r).slice(0, 4096);
      if (r.outcome === 'exited' && r.exitCode !== 0) return failure('exit', r.exitCode, `the pipeline exited with status ${r.exitCode}`, stderr);
      if (r.outcome === 'limit' || r.outcome === 'timeout') return failure(r.outcome, r.exitCode, r.message ?? r.outcome, stderr);
      if (r.outcome !== 'exited' || stored === undefined) return failure('error', 70, r.message ?? `storing the output failed: ${describe(storeError)}`, stderr);
      return { outcome: 'ok', bytes: stored, inputBytes: input.inputBytes, localBytes: input.localBytes };
    } catch (e) {
      return failure('error', 70, describe(e));
    }
  }

  async discard(jobId: string, phase: RunPhase, task: RunTask, user: string): Promise<void> {
    const client = this.storage();
    if (client !== null) await removeObjects(client, attemptObjects(user, jobId, phase.phase, task.index, task.attempt, phase.partitions));
  }

  private program(phase: RunPhase): { executor: Executor; program: unknown } {
    const kind = phase.kind ?? 'builtin';
    const key = `${kind}\n${phase.assets?.join('\n') ?? ''}\n${phase.exec}`;
    let p = this.prepared.get(key);
    if (p === undefined) {
      const executor = kind === 'builtin' ? this.executor : this.sandboxed.get(kind);
      if (executor === undefined) throw new Error(`this peer runs no ${kind} tasks`);
      if (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
      this.prepared.set(key, (p = { executor, program: executor.prepare({ kind, exec: phase.exec, ...(phase.assets !== undefined && { assets: phase.assets }) }) }));
    }
    return p;
  }

  /** A map task's input object, or the report of why there is none. A job reads only its own user's files. */
  private async mapInput(client: StorageClient, path: string, user: string): Promise<{ stdin: AsyncIterable<Uint8Array>; inputBytes: number; localBytes: number } | { report: TaskReport }> {
    if (!path.startsWith(`/${user}/`)) return { report: failure('not-found', 1, `${path} is not a path of ${user}'s`) };
    let s;
    let keeper;
    try {
      ({ stat: s, keeper } = await client.locate(path));
    } catch (e) {
      if (errorCode(e) === 'NOT_FOUND' || errorCode(e) === 'INVALID_ARGUMENT') return { report: failure('not-found', 1, `${path} does not exist`) };
      throw e;
    }
    if (s.kind !== 'file') return { report: failure('not-found', 1, `${path} is a directory`) };
    return { stdin: client.read(s), inputBytes: s.size, localBytes: this.localBytes(s, keeper) };
  }

  /** Bytes of the chunks this peer holds itself (storage reads those from its own store), or all of a file inline in the record this peer keeps. */
  private localBytes(s: FileStat, keeper: PeerId): number {
    if (s.data !== undefined) return keeper === this.self ? s.size : 0;
    let n = 0;
    s.chunks.forEach((c, i) => {
      if (c.holders.includes(this.self)) n += Math.min(s.chunkBytes, s.size - i * s.chunkBytes);
    });
    return n;
  }

  /** A reducer's stdin: its partition of each committed output of the phase before, in task order. */
  private async *reduceInput(client: StorageClient, jobId: string, phase: RunPhase, partition: number): AsyncGenerator<Uint8Array, void, undefined> {
    for (let from: number | undefined = 0; from !== undefined; ) {
      const page: Awaited<ReturnType<JobsClient['sources']>> = await this.jobs().sources(jobId, phase.phase, from);
      for (let i = 0; i < page.pairs.length; i += 2) {
        yield* await client.open(outputPath(page.user, jobId, phase.phase - 1, page.pairs[i]!, page.pairs[i + 1]!, phase.count > 1 ? partition : undefined));
      }
      from = page.next;
    }
  }

  /** Store stdout as one object, or as one per partition (homed at its reducer when it feeds a reduce); resolves to the bytes stored. */
  private async store(client: StorageClient, stdout: AsyncIterable<Uint8Array>, jobId: string, { phase, partitions, feedsReduce }: RunPhase, pathOf: (partition?: number) => string): Promise<number> {
    const opts = (k: number): PutOptions => ({ fresh: true, ...(feedsReduce && { home: partitionKey(jobId, phase + 1, k) }) });
    if (partitions === 1) return (await client.put(pathOf(), stdout, opts(0))).size;
    const pipes = Array.from({ length: partitions }, () => new Pipe(PARTITION_PIPE_BYTES));
    const puts = pipes.map((p, k) => client.put(pathOf(k), p.readable(), opts(k)));
    puts.forEach((p) => p.catch(() => undefined));
    try {
      await splitLines(stdout, pipes);
    } catch (e) {
      for (const p of pipes) p.fail(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    const sizes = await Promise.all(puts);
    return sizes.reduce((n, r) => n + r.size, 0);
  }
}

/** Cut stdout into lines and send each to its key's partition, a buffer at a time. */
async function splitLines(stdout: AsyncIterable<Uint8Array>, pipes: Pipe[]): Promise<void> {
  const buffers: Uint8Array[][] = pipes.map(() => []);
  const sizes = pipes.map(() => 0);
  const flush = async (k: number): Promise<void> => {
    if (sizes[k] === 0) return;
    const joined = concat(buffers[k]!);
    buffers[k] = [];
    sizes[k] = 0;
    await pipes[k]!.write(joined);
  };
  const add = async (line: Uint8Array): Promise<void> => {
    const k = partitionOf(lineKey(line[line.length - 1] === 10 ? line.subarray(0, line.length - 1) : line), pipes.length);
    buffers[k]!.push(line);
    sizes[k]! += line.length;
    if (sizes[k]! >= PARTITION_FLUSH_BYTES) await flush(k);
  };
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of stdout) {
    const data = carry.length === 0 ? chunk : concat([carry, chunk]);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      await add(data.subarray(start, nl + 1));
      start = nl + 1;
    }
    // The partial line and the lines held are copied: the chunk they lie in may be reused by its writer.
    carry = data.slice(start);
    for (let k = 0; k < buffers.length; k++) if (buffers[k]!.length > 1 || (buffers[k]!.length === 1 && buffers[k]![0]!.buffer === data.buffer)) buffers[k] = [concat(buffers[k]!)];
  }
  if (carry.length > 0) await add(carry);
  for (let k = 0; k < pipes.length; k++) await flush(k);
  for (const p of pipes) p.end();
}

function failure(outcome: 'exit' | 'limit' | 'timeout' | 'error' | 'not-found', exitCode: number, message: string, stderr = ''): TaskReport {
  return { outcome, exitCode: Math.min(255, Math.max(0, exitCode)), message: message.slice(0, 1024), stderr: stderr.slice(0, 4096) };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
