// Proves a job is checked once when created: each bad input of the list is refused with a message naming the field, and a good job gets its defaults and a prepared program that the wire schema accepts.
import { describe, expect, it } from 'vitest';
import { check } from '../../../core/codec.js';
import type { Executor } from '../executor.js';
import { testExecutor } from '../test-util/run.js';
import { DEFAULT_OUTPUT_BYTES, DEFAULT_TIMEOUT_S, MAX_PHASES } from './constants.js';
import { checkJob, parseJobJson, type Executors } from './job.js';
import { JobSpec } from './schemas.js';

const executors: Executors = new Map([['builtin', testExecutor() as Executor]]);
const parse = (text: string) => parseJobJson(text, executors);
const job = (v: unknown) => checkJob(v, executors);

describe('job model', () => {
  it('fills defaults and prepares every phase', () => {
    const j = parse(JSON.stringify({ name: 'wc', phases: [{ exec: "tr -cs A-Za-z '\\n'" }, { type: 'reduce', exec: 'sort | uniq -c', count: 4, memory: 256 }] }));
    expect(j.phases.map((p) => [p.type, p.count, p.limits.timeoutMs, p.limits.memoryBytes, p.limits.outputBytes])).toEqual([
      ['map', 1, DEFAULT_TIMEOUT_S * 1000, 1024 * 1024 * 1024, DEFAULT_OUTPUT_BYTES],
      ['reduce', 4, DEFAULT_TIMEOUT_S * 1000, 256 * 1024 * 1024, DEFAULT_OUTPUT_BYTES],
    ]);
    expect(j.phases.every((p) => p.prepared !== undefined)).toBe(true);
    expect(check(JobSpec, j.spec).ok).toBe(true);
    expect(j.spec).toEqual({ name: 'wc', phases: [{ type: 'map', exec: "tr -cs A-Za-z '\\n'" }, { type: 'reduce', exec: 'sort | uniq -c', count: 4, memory: 256 }] });
  });

  it('refuses the issue\'s bad inputs, naming what is wrong', () => {
    expect(() => parse('{"phases": [')).toThrow(/not valid JSON/);
    expect(() => job({ phases: Array.from({ length: 100 }, () => ({ exec: 'cat' })) })).toThrow(new RegExp(`phases: at most ${MAX_PHASES} phases, got 100`));
    expect(() => job({ phases: [{ exec: 'x'.repeat(1024 * 1024) }] })).toThrow(/phases\[0\]\.exec: 1048576 bytes long, at most 16384/);
    expect(() => job({ phases: [{ exec: 'cat' }, { exec: 'grep -P x' }] })).toThrow(/phases\[1\]\.exec: .*"-P"/);
    expect(() => job({ phases: [{ type: 'reduce', exec: 'cat', count: 0 }] })).toThrow(/phases\[0\]\.count: must be an integer from 1 to 1024, got 0/);
  });

  it('refuses every other field out of its range or unknown', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /must be a JSON object/],
      [{ phases: [] }, /phases: must be a non-empty array/],
      [{ phases: [{ exec: 'cat' }], extra: 1 }, /the job: unknown field "extra"/],
      [{ phases: [{ exec: 'cat', cmd: 'x' }] }, /phases\[0\]: unknown field "cmd"/],
      [{ phases: [{ type: 'sort', exec: 'cat' }] }, /phases\[0\]\.type: must be "map" or "reduce"/],
      [{ phases: [{ exec: '' }] }, /phases\[0\]\.exec: must be a non-empty string/],
      [{ phases: [{ exec: 'cat', count: 2 }] }, /phases\[0\]\.count: only a reduce phase/],
      [{ phases: [{ type: 'reduce', exec: 'cat', count: 1025 }] }, /count: must be an integer from 1 to 1024, got 1025/],
      [{ phases: [{ type: 'reduce', exec: 'cat', count: 1.5 }] }, /count: must be an integer/],
      [{ phases: [{ exec: 'cat', timeout: 0 }] }, /timeout \(seconds\): must be an integer from 1 to 86400/],
      [{ phases: [{ exec: 'cat', memory: 8 }] }, /memory \(MiB\): must be an integer from 16 to 8192, got 8/],
      [{ phases: [{ exec: 'cat', assets: 'a' }] }, /assets: must be an array/],
      [{ phases: [{ exec: 'cat', assets: ['/a'] }] }, /builtin pipelines take no assets/],
      [{ name: '', phases: [{ exec: 'cat' }] }, /name: must be a string/],
    ];
    for (const [v, re] of cases) expect(() => job(v), JSON.stringify(v)).toThrow(re);
    expect(() => parse('x'.repeat(2 * 1024 * 1024))).toThrow(/characters long/);
  });
});
