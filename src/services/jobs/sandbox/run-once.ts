// One task of a module run whole on a sandboxed executor, its stdin given (or that many 'x' bytes),
// its stdout collected: the volunteer page's sandbox check (which the Chromium hostile-code suite
// drives), the Node suite and the examples' tests use it.
import { bytesToHex } from '../../../core/id.js';
import { sha256 } from '../../../core/sha256.js';
import type { Executor, TaskLimits, TaskOutcome } from '../executor.js';

/** How a task ended, with its stdout and stderr as text. */
export interface CaseResult {
  outcome: TaskOutcome;
  exitCode: number;
  stdout: string;
  stderr: string;
  message: string;
}

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
  return { outcome: r.outcome, exitCode: r.exitCode, stdout: decode(out), stderr: new TextDecoder().decode(r.stderr), message: r.message ?? '' };
}

function decode(chunks: readonly Uint8Array[]): string {
  const d = new TextDecoder();
  return chunks.map((c) => d.decode(c, { stream: true })).join('') + d.decode();
}
