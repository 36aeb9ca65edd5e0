// `cumulus bench tasks --exec js|wasm --tasks T`: the per-task overhead of a sandboxed executor in
// this process, with a tiny module (examples/jobs/cat.*: stdin to stdout) and a one-line input in
// memory, so nothing but the executor is timed. Warm: T tasks one after another on one sandbox,
// each timed from start() to its result; every task after the first should find its module
// compiled (cacheHits). Cold: the first task on each of a few fresh sandboxes (ready, module not
// yet compiled); sandboxStartMs is the time a fresh sandbox takes to be ready (a worker, SES
// lockdown). The builtin executor's `cat` is timed the same way for comparison.
import { createHash } from 'node:crypto';
import type { OptionValues } from '../core/options.js';
import { RealClock } from '../runtime/clock.js';
import { nodeSandboxes } from '../runtime/sandbox/node-sandbox.js';
import { BuiltinExecutor } from '../services/jobs/builtin-executor.js';
import type { Executor, TaskAsset } from '../services/jobs/executor.js';
import { SandboxExecutor } from '../services/jobs/sandbox/executor.js';
import { SandboxPool } from '../services/jobs/sandbox/pool.js';
import { round } from './figures.js';
import { compileAssemblyScript, exampleSource } from './wasm-build.js';

export const TASKS_BENCH_OPTIONS = {
  exec: { type: 'choice', choices: ['js', 'wasm'], default: 'wasm', description: 'the sandboxed kind timed' },
  tasks: { type: 'integer', default: 5000, min: 2, max: 1_000_000, unit: 'tasks', description: 'warm tasks, one after another on one sandbox' },
  cold: { type: 'integer', default: 5, min: 1, max: 100, unit: 'sandboxes', description: 'fresh sandboxes whose first task is timed' },
} as const;

export type TasksBenchOptions = OptionValues<typeof TASKS_BENCH_OPTIONS>;

const LIMITS = { timeoutMs: 60_000, memoryBytes: 64 * 1024 * 1024, outputBytes: 1024 * 1024 };
const INPUT = new TextEncoder().encode('one line of input\n');

export async function runTasksBench(o: TasksBenchOptions): Promise<Record<string, unknown>> {
  const bytes = o.exec === 'wasm' ? await compileAssemblyScript(exampleSource('cat.as.ts')) : new TextEncoder().encode(exampleSource('cat.js'));
  const asset: TaskAsset = { path: `/bench/cat.${o.exec}`, bytes, hash: createHash('sha256').update(bytes).digest('hex') };
  const clock = new RealClock();
  const cold: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < o.cold; i++) {
    const pool = new SandboxPool(nodeSandboxes, 1);
    try {
      const t0 = performance.now();
      pool.release(await pool.acquire(LIMITS.memoryBytes));
      starts.push(performance.now() - t0);
      cold.push(await timeTask(new SandboxExecutor(o.exec, clock, pool), 'map', asset));
    } finally {
      pool.close();
    }
  }
  const pool = new SandboxPool(nodeSandboxes, 1);
  const executor = new SandboxExecutor(o.exec, clock, pool);
  const warm: number[] = [];
  try {
    for (let i = 0; i < o.tasks; i++) warm.push(await timeTask(executor, 'map', asset));
  } finally {
    pool.close();
  }
  const builtin = new BuiltinExecutor({ clock, yieldToHost: () => new Promise((r) => setImmediate(r)) });
  const builtinMs: number[] = [];
  for (let i = 0; i < Math.min(o.tasks, 1000); i++) builtinMs.push(await timeTask(builtin, 'cat'));
  return {
    exec: o.exec, tasks: o.tasks, cacheHits: executor.counters.cacheHits, cacheMisses: executor.counters.tasks - executor.counters.cacheHits,
    taskOverheadMsP50Warm: round(percentile(warm.slice(1), 0.5)), taskOverheadMsP99Warm: round(percentile(warm.slice(1), 0.99)),
    taskOverheadMsP50Cold: round(percentile(cold, 0.5)), sandboxStartMsP50: round(percentile(starts, 0.5)),
    builtinTaskMsP50: round(percentile(builtinMs, 0.5)), moduleBytes: bytes.length,
  };
}

/** One task's time from start() to its result, in ms; throws unless it exited 0 with its input as output. */
async function timeTask(executor: Executor, exec: string, asset?: TaskAsset): Promise<number> {
  const t0 = performance.now();
  const prepared = executor.prepare({ kind: executor.kind, exec, ...(asset !== undefined && { assets: [asset.path] }) });
  const task = executor.start(prepared, { stdin: oneChunk(INPUT), limits: LIMITS, ...(asset !== undefined && { assets: [asset] }) });
  let n = 0;
  for await (const c of task.stdout) n += c.length;
  const r = await task.result;
  const ms = performance.now() - t0;
  if (r.outcome !== 'exited' || r.exitCode !== 0 || n !== INPUT.length) throw new Error(`a ${executor.kind} task ended ${r.outcome} ${r.exitCode} with ${n} bytes: ${r.message ?? ''}`);
  return ms;
}

async function* oneChunk(b: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield b;
}

function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
