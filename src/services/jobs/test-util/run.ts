// Helpers for the jobs tests: run an exec through the builtin executor on given bytes, and the
// same exec through the system's shell and GNU tools (LC_ALL=C), to compare the two.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../../env/memory-store.js';
import { RealClock } from '../../../runtime/clock.js';
import { BuiltinExecutor } from '../builtin-executor.js';
import type { ExecLimits } from '../exec/limits.js';
import type { TaskLimits, TaskResult } from '../executor.js';

export interface ExecOutput {
  stdout: Buffer;
  status: number;
  stderr: string;
  result?: TaskResult;
}

export const GENEROUS_LIMITS: TaskLimits = { timeoutMs: 60_000, memoryBytes: 512 * 1024 * 1024, outputBytes: 1024 * 1024 * 1024 };

/** Chunks of `bytes` of at most `chunkBytes`, as a task's stdin. */
export async function* chunked(bytes: Uint8Array, chunkBytes = 65_536): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunkBytes) yield bytes.subarray(i, Math.min(bytes.length, i + chunkBytes));
}

export function testExecutor(limits?: Partial<ExecLimits>): BuiltinExecutor {
  return new BuiltinExecutor({
    clock: new RealClock({ unref: true }),
    spill: new MemoryStore(),
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    ...(limits !== undefined && { limits }),
  });
}

/** Run an exec through the builtin executor. */
export async function runBuiltin(exec: string, input: Uint8Array, opts: { executor?: BuiltinExecutor; limits?: TaskLimits; chunkBytes?: number } = {}): Promise<ExecOutput> {
  const executor = opts.executor ?? testExecutor();
  const task = executor.start(executor.prepare({ kind: 'builtin', exec }), { stdin: chunked(input, opts.chunkBytes), limits: opts.limits ?? GENEROUS_LIMITS });
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of task.stdout) parts.push(chunk);
  } catch {
    // The result says why the task stopped.
  }
  const result = await task.result;
  return { stdout: Buffer.concat(parts), status: result.exitCode, stderr: Buffer.from(result.stderr).toString('latin1'), result };
}

/** Run an exec through bash with GNU tools and gawk --posix as awk, in the C locale. */
export function runGnu(exec: string, input: Uint8Array): ExecOutput {
  // The input comes through a pipe, as a task's does (wc pads its counts differently for a
  // file), fed by cat from a file so that a command that never reads it (awk with only BEGIN) is fine.
  const dir = mkdtempSync(join(tmpdir(), 'gnu-'));
  const path = join(dir, 'stdin');
  writeFileSync(path, input);
  let r;
  try {
    r = spawnSync('sh', ['-c', `awk() { gawk --posix "$@"; }; cat "$0" | { ${exec}\n}`, path], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, LC_ALL: 'C' }, maxBuffer: 1 << 30 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (r.error) throw r.error;
  return { stdout: r.stdout, status: r.status ?? -1, stderr: r.stderr.toString('latin1') };
}
