// The kinds of exec `bench wordcount` can run the word count with: the builtin pipelines, or the
// example JS or WASI module (examples/jobs/wordcount.*) stored in the cloud as the phases' asset.
// For each, the same work in this process on one thread: the map over each object in turn, then
// the reduce over the maps' outputs (what the job does, without the cloud), to time the speedup
// against, and each kind's MB/s on one worker over a common sample, side by side.
import { join } from 'node:path';
import { bytesToHex } from '../core/id.js';
import { sha256 } from '../core/sha256.js';
import { RealClock } from '../runtime/clock.js';
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { nodeSandboxes } from '../runtime/sandbox/node-sandbox.js';
import type { Cumulus, JobSpec } from '../sdk/index.js';
import { BuiltinExecutor } from '../services/jobs/builtin-executor.js';
import { SandboxExecutor } from '../services/jobs/sandbox/executor.js';
import { SandboxPool } from '../services/jobs/sandbox/pool.js';
import { runOnce, WORDCOUNT_MAP, WORDCOUNT_REDUCE } from './builtins.js';
import { round } from './figures.js';
import { wordcountJs, wordcountWasm } from './wasm-build.js';

export type WordcountKind = 'builtin' | 'js' | 'wasm';

/** A task's bounds for the word count's modules, generous: the bench times work, not limits. */
const LIMITS = { timeoutMs: 3_600_000, memoryBytes: 1 << 30, outputBytes: 1 << 30 };

export async function moduleOf(kind: 'js' | 'wasm'): Promise<Uint8Array> {
  return kind === 'js' ? wordcountJs() : wordcountWasm();
}

/** The job's phases for a kind; a sandboxed kind's module is stored first at `~/modules/…`. */
export async function wordcountJob(cloud: Cumulus, kind: WordcountKind): Promise<JobSpec> {
  if (kind === 'builtin') return { phases: [{ exec: WORDCOUNT_MAP, timeout: 3600 }, { type: 'reduce', exec: WORDCOUNT_REDUCE, timeout: 3600 }] };
  await cloud.mkdir('modules').catch(() => undefined);
  const path = `~/modules/wordcount.${kind}`;
  await cloud.put(path, await moduleOf(kind));
  const prefix = kind === 'wasm' ? 'wordcount ' : '';
  return { phases: [{ kind, exec: `${prefix}map`, assets: [path], timeout: 3600 }, { type: 'reduce', kind, exec: `${prefix}reduce`, assets: [path], timeout: 3600 }] };
}

/** Seconds the kind takes over the objects in this process on one thread (map each, then reduce), and its output. */
export async function timeLocal(kind: WordcountKind, objects: readonly Buffer[], dir: string): Promise<{ seconds: number; output: Buffer }> {
  if (kind === 'builtin') {
    const spill = await LevelStore.open(openLevel(join(dir, `spill-${Date.now()}`)));
    try {
      const executor = new BuiltinExecutor({ clock: new RealClock({ unref: true }), spill, yieldToHost: () => new Promise((r) => setImmediate(r)) });
      const t0 = performance.now();
      const maps = [];
      for (const o of objects) maps.push(await runOnce(executor, WORDCOUNT_MAP, o));
      const output = await runOnce(executor, WORDCOUNT_REDUCE, Buffer.concat(maps));
      return { seconds: (performance.now() - t0) / 1000, output };
    } finally {
      await spill.close();
    }
  }
  const bytes = await moduleOf(kind);
  const asset = { path: `/bench/wordcount.${kind}`, bytes, hash: bytesToHex(sha256(bytes)) };
  const pool = new SandboxPool(nodeSandboxes, 1);
  try {
    const executor = new SandboxExecutor(kind, new RealClock({ unref: true }), pool);
    const prefix = kind === 'wasm' ? 'wordcount ' : '';
    // The sandbox is started before the clock runs, as a worker's is before its first task.
    pool.release(await pool.acquire(LIMITS.memoryBytes));
    const t0 = performance.now();
    const maps = [];
    for (const o of objects) maps.push(await runModule(executor, `${prefix}map`, asset, o));
    const output = await runModule(executor, `${prefix}reduce`, asset, Buffer.concat(maps));
    return { seconds: (performance.now() - t0) / 1000, output };
  } finally {
    pool.close();
  }
}

async function runModule(executor: SandboxExecutor, exec: string, asset: { path: string; bytes: Uint8Array; hash: string }, input: Buffer): Promise<Buffer> {
  async function* stdin(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < input.length; i += 1 << 20) yield input.subarray(i, Math.min(input.length, i + (1 << 20)));
  }
  const task = executor.start(executor.prepare({ kind: executor.kind, exec, assets: [asset.path] }), { stdin: stdin(), limits: LIMITS, assets: [asset] });
  const parts: Uint8Array[] = [];
  for await (const c of task.stdout) parts.push(c);
  const r = await task.result;
  if (r.outcome !== 'exited' || r.exitCode !== 0) throw new Error(`the ${executor.kind} word count ended ${r.outcome} ${r.exitCode}: ${r.message ?? ''} ${new TextDecoder().decode(r.stderr)}`);
  return Buffer.concat(parts);
}

/** Each kind's MB/s on one worker over the same objects (the first `mb` MiB of them). */
export async function mbpsByKind(objects: readonly Buffer[], mb: number, dir: string): Promise<Record<WordcountKind, number>> {
  const sample: Buffer[] = [];
  for (let n = 0, i = 0; i < objects.length && n < mb * 1024 * 1024; i++) {
    sample.push(objects[i]!);
    n += objects[i]!.length;
  }
  const sampleMb = sample.reduce((n, o) => n + o.length, 0) / (1024 * 1024);
  const out = { builtin: 0, js: 0, wasm: 0 };
  for (const kind of ['builtin', 'js', 'wasm'] as const) out[kind] = round(sampleMb / (await timeLocal(kind, sample, dir)).seconds);
  return out;
}

/** The text cut into objects of about objectBytes each, at line ends. */
export function cutObjects(text: Buffer, objectBytes: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + objectBytes);
    if (end < text.length) end = text.lastIndexOf(10, end - 1) + 1 || end;
    out.push(text.subarray(at, end));
    at = end;
  }
  return out;
}
