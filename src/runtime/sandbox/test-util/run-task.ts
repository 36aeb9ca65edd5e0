// Run one task on an executor with a module and stdin of 'x' bytes (or given bytes), collecting what
// the hostile-code suites and the examples' tests check.
import type { Executor, TaskLimits } from '../../../services/jobs/executor.js';
import { bytesToHex } from '../../../core/id.js';
import { sha256 } from '../../../core/sha256.js';
import type { CaseResult } from './hostile-cases.js';

export async function runTask(executor: Executor, module: Uint8Array, exec: string, limits: TaskLimits, stdin: Uint8Array | number = 0): Promise<CaseResult> {
  const input = typeof stdin === 'number' ? new Uint8Array(stdin).fill(120) : stdin;
  const asset = { path: '/t/module', bytes: module, hash: bytesToHex(sha256(module)) };
  const prepared = executor.prepare({ kind: executor.kind, exec, assets: [asset.path] });
  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    for (let at = 0; at < input.length; at += 65536) yield input.subarray(at, at + 65536);
  }
  const task = executor.start(prepared, { stdin: chunks(), limits, assets: [asset] });
  const out: Uint8Array[] = [];
  try {
    for await (const c of task.stdout) out.push(c);
  } catch {
    // A stopped task's stdout throws: its result says why.
  }
  const r = await task.result;
  return { outcome: r.outcome, exitCode: r.exitCode, stdout: new TextDecoder().decode(Buffer.concat(out)), stderr: new TextDecoder().decode(r.stderr), message: r.message ?? '' };
}
