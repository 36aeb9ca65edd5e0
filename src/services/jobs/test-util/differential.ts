// The differential check shared by the tools' and awk's property tests: run an exec through the
// builtin executor and through sh with GNU tools and gawk --posix (C locale) on the same bytes;
// stdout and the exit status must be the same. An exec the builtins refuse at creation must be
// one GNU refuses too (a usage error: a non-zero status and no output).
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { ExecRefusedError } from '../exec/errors.js';
import { runBuiltin, runGnu } from './run.js';

/** Runs per property: a few seconds per tool on CI's 2 cores; JOBS_FC_RUNS explores further. */
export const RUNS = Number(process.env.JOBS_FC_RUNS ?? 60);

/** A fixed seed keeps CI repeatable; JOBS_FC_SEED tries others. */
export const SEED = Number(process.env.JOBS_FC_SEED ?? 21);

export async function sameAsGnu(exec: string, input: Buffer, chunkBytes: number): Promise<void> {
  const gnu = runGnu(exec, input);
  let ours;
  try {
    ours = await runBuiltin(exec, input, { chunkBytes });
  } catch (e) {
    if (!(e instanceof ExecRefusedError)) throw e;
    expect(gnu.status, `${exec}: refused (${e.message}) but GNU ran it`).not.toBe(0);
    return;
  }
  const view = (o: { stdout: Buffer; status: number }) => ({ exec, stdout: o.stdout.toString('latin1'), status: o.status });
  // JOBS_FC_VERBOSE=FILE appends each mismatch, whole, to FILE (the assertion's message is cut short).
  if (process.env.JOBS_FC_VERBOSE !== undefined && !(ours.stdout.equals(gnu.stdout) && ours.status === gnu.status)) {
    appendFileSync(process.env.JOBS_FC_VERBOSE, `${JSON.stringify({ exec, input: input.toString('latin1'), ours: view(ours), gnu: view(gnu), stderr: [ours.stderr, gnu.stderr] })}\n`);
  }
  expect(view(ours), `input ${JSON.stringify(input.toString('latin1'))}, our stderr ${ours.stderr}, GNU's ${gnu.stderr}`).toEqual(view(gnu));
}

/** Check `exec` against GNU for generated commands and inputs. */
export async function checkTool(command: fc.Arbitrary<string>, input: fc.Arbitrary<Buffer>, chunkBytes: fc.Arbitrary<number>, runs = RUNS): Promise<void> {
  await fc.assert(
    fc.asyncProperty(command, input, chunkBytes, (exec, bytes, chunk) => sameAsGnu(exec, bytes, chunk)),
    { numRuns: runs, seed: SEED + runs, endOnFailure: true },
  );
}
