// `cumulus bench builtins --mb M`: the word count of issue 21 (the map pipeline, then the reduce
// pipeline) over M MiB of English text, run once through the builtin executor in this process and
// once through the system's GNU tools and gawk --posix in the C locale (sh, each stage its own
// process), in the same run. Prints both times, their ratio and whether the outputs are the same
// bytes. Sort spills to a LevelDB store in a temporary directory, as on a worker.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OptionValues } from '../core/options.js';
import { RealClock } from '../runtime/clock.js';
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { BuiltinExecutor } from '../services/jobs/builtin-executor.js';
import { englishText } from './corpus.js';
import { round } from './figures.js';

export const BUILTINS_BENCH_OPTIONS = {
  mb: { type: 'integer', default: 64, min: 1, max: 4096, unit: 'MiB', description: 'English text counted' },
} as const;

export type BuiltinsBenchOptions = OptionValues<typeof BUILTINS_BENCH_OPTIONS>;

export const WORDCOUNT_MAP = "tr -cs A-Za-z '\\n' | tr A-Z a-z | sort | uniq -c";
export const WORDCOUNT_REDUCE = "awk '{c[$2]+=$1} END {for (w in c) print c[w], w}' | sort -rn | head -20";

export interface BuiltinsBenchResult extends Record<string, unknown> {
  mb: number;
  builtinSeconds: number;
  gnuSeconds: number;
  /** builtinSeconds / gnuSeconds. */
  ratio: number;
  builtinMBps: number;
  correct: boolean;
}

export async function runBuiltinsBench(o: BuiltinsBenchOptions): Promise<BuiltinsBenchResult> {
  const text = englishText(o.mb * 1024 * 1024);
  const exec = `${WORDCOUNT_MAP} | ${WORDCOUNT_REDUCE}`;
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-builtins-'));
  const spill = await LevelStore.open(openLevel(join(dir, 'spill')));
  try {
    const executor = new BuiltinExecutor({ clock: new RealClock({ unref: true }), spill, yieldToHost: () => new Promise((r) => setImmediate(r)) });
    const t0 = performance.now();
    const ours = await runOnce(executor, exec, text);
    const builtinSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const gnu = await runGnu(exec, text);
    const gnuSeconds = (performance.now() - t1) / 1000;
    const mb = text.length / (1024 * 1024);
    return { mb: round(mb), builtinSeconds: round(builtinSeconds), gnuSeconds: round(gnuSeconds), ratio: round(builtinSeconds / gnuSeconds), builtinMBps: round(mb / builtinSeconds), correct: ours.equals(gnu) && ours.length > 0 };
  } finally {
    await spill.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runOnce(executor: BuiltinExecutor, exec: string, input: Buffer): Promise<Buffer> {
  async function* stdin(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < input.length; i += 1 << 20) yield input.subarray(i, Math.min(input.length, i + (1 << 20)));
  }
  const task = executor.start(executor.prepare({ kind: 'builtin', exec }), { stdin: stdin(), limits: { timeoutMs: 3_600_000, memoryBytes: 1 << 30, outputBytes: 1 << 30 } });
  const parts: Uint8Array[] = [];
  for await (const chunk of task.stdout) parts.push(chunk);
  const result = await task.result;
  if (result.outcome !== 'exited' || result.exitCode !== 0) throw new Error(`the builtin pipeline ended with ${result.outcome} ${result.exitCode}: ${result.message ?? ''}`);
  return Buffer.concat(parts);
}

export function runGnu(exec: string, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `awk() { gawk --posix "$@"; }; ${exec}`], { env: { PATH: process.env.PATH, LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`GNU pipeline exited ${code}`))));
    child.stdin.end(input);
  });
}
