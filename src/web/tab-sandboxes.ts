// The tab as a worker of jobs: its js and wasm tasks run in dedicated Web Workers (sandbox-web.ts),
// at most the volunteer's CPU share at once (its limits, volunteer-limits.ts: `?workers=N` on the
// page's URL, by default every logical core but one). The page's sandbox check,
// `cumulusSandbox.run(...)`, runs one task of a module in them at once (the Chromium hostile-code
// suite drives it; it needs no ring).
import { RealClock } from '../runtime/clock.js';
import { SandboxExecutor } from '../services/jobs/sandbox/executor.js';
import { SandboxPool } from '../services/jobs/sandbox/pool.js';
import { runTask, type CaseResult } from '../services/jobs/sandbox/run-once.js';
import type { TaskLimits } from '../services/jobs/executor.js';
import { webSandboxes } from './sandbox-web.js';

/** The tab's sandboxes (at most `workers` at once), and the page's check of them on globalThis.cumulusSandbox. */
export function startTabSandboxes(workers: number): SandboxPool {
  const pool = new SandboxPool(webSandboxes, workers);
  const clock = new RealClock();
  const executors = { js: new SandboxExecutor('js', clock, pool), wasm: new SandboxExecutor('wasm', clock, pool) };
  const check = {
    workers: pool.size,
    unlimited: webSandboxes.unlimited,
    stats: () => ({ ...pool.stats, js: executors.js.counters, wasm: executors.wasm.counters }),
    run: (kind: 'js' | 'wasm', module: readonly number[], exec: string, limits: TaskLimits, stdinBytes: number): Promise<CaseResult> =>
      runTask(executors[kind], Uint8Array.from(module), exec, limits, stdinBytes),
  };
  (globalThis as unknown as { cumulusSandbox: typeof check }).cumulusSandbox = check;
  return pool;
}
