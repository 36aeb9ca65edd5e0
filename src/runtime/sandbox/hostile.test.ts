// Proves the hostile-code suite in Node: each hostile JS or WASM task (endless loops, memory and
// Worker bombs, output floods, reaching for files, the network, storage, the host and other jobs'
// data, prototype tampering, modules that never read stdin, malformed modules) ends as a clear task
// error, and the next task on that sandbox slot runs normally; plus the example word counts.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { RealClock } from '../clock.js';
import { SandboxExecutor } from '../../services/jobs/sandbox/executor.js';
import { SandboxPool } from '../../services/jobs/sandbox/pool.js';
import { compileAssemblyScript, exampleSource, wordcountJs, wordcountWasm } from '../../bench/wasm-build.js';
import { nodeSandboxes } from './node-sandbox.js';
import { BASE_LIMITS, JS_CASES, JS_MEMORY_BOMB, mismatch, moduleBytes, WASM_CASES } from './test-util/hostile-cases.js';
import { runTask } from '../../services/jobs/sandbox/run-once.js';

const pool = new SandboxPool(nodeSandboxes, 1);
const clock = new RealClock();
const executors = { js: new SandboxExecutor('js', clock, pool), wasm: new SandboxExecutor('wasm', clock, pool) };
afterAll(() => pool.close());

/** A normal task after each hostile one: the same sandbox slot must give cat's output. */
async function normalTaskRuns(kind: 'js' | 'wasm'): Promise<void> {
  const module = kind === 'js' ? new TextEncoder().encode(exampleSource('cat.js')) : await compileAssemblyScript(exampleSource('cat.as.ts'));
  const r = await runTask(executors[kind], module, kind === 'js' ? 'map' : 'cat', BASE_LIMITS, new TextEncoder().encode('normal\n'));
  expect(r).toMatchObject({ outcome: 'exited', exitCode: 0, stdout: 'normal\n' });
}

describe('hostile tasks in Node sandboxes', () => {
  for (const c of [...JS_CASES, JS_MEMORY_BOMB, ...WASM_CASES]) {
    it(`${c.kind}: ${c.name}`, async () => {
      const r = await runTask(executors[c.kind], await moduleBytes(c), c.exec, { ...BASE_LIMITS, ...c.limits }, c.stdinBytes ?? 16);
      expect(mismatch(c, r)).toBe('');
      await normalTaskRuns(c.kind);
    }, 60_000);
  }

  it('replaced the sandboxes it ended, and the next task of a module is a cache hit', async () => {
    expect(pool.stats.replaced).toBeGreaterThanOrEqual(5);
    const before = executors.wasm.counters.cacheHits;
    await normalTaskRuns('wasm');
    expect(executors.wasm.counters.cacheHits).toBe(before + 1);
  });
});

describe('the example word counts', () => {
  const text = new TextEncoder().encode(`${exampleSource('wordcount.js')}\nThe Kelvin sign \u212A and \u0130stanbul are not ASCII letters. THE END the end.\n`.repeat(40));
  const gnu = execFileSync('sh', ['-c', "tr -cs A-Za-z '\\n' | tr A-Z a-z | sort | uniq -c | gawk --posix '{c[$2]+=$1} END {for (w in c) print c[w], w}' | sort -rn | head -20"], { input: text, env: { PATH: process.env.PATH, LC_ALL: 'C' } }).toString();

  it.each(['js', 'wasm'] as const)('%s: map then reduce gives what GNU gives', async (kind) => {
    const module = kind === 'js' ? wordcountJs() : await wordcountWasm();
    const prefix = kind === 'js' ? '' : 'wordcount ';
    const mapped = await runTask(executors[kind], module, `${prefix}map`, BASE_LIMITS, text);
    expect(mapped).toMatchObject({ outcome: 'exited', exitCode: 0 });
    const reduced = await runTask(executors[kind], module, `${prefix}reduce`, BASE_LIMITS, new TextEncoder().encode(mapped.stdout.repeat(3)));
    expect(reduced.stdout).toBe(gnu.replace(/^(\d+) /gm, (_, n: string) => `${Number(n) * 3} `));
  }, 60_000);
});
