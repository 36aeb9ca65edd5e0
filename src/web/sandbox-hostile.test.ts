// Proves the hostile-code suite in Chromium: the volunteer page's sandboxes (module Web Workers with
// SES and the WASI shim) end each hostile JS or WASM task as a clear task error, and the next task
// on that sandbox slot runs normally; a JS memory bomb, which a tab cannot bound, ends at its timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type CumulusServer } from '../server/app.js';
import { launchChromium } from '../bench/chromium.js';
import { compileAssemblyScript, exampleSource } from '../bench/wasm-build.js';
import type { TaskLimits } from '../services/jobs/executor.js';
import type { CaseResult } from '../services/jobs/sandbox/run-once.js';
import { BASE_LIMITS, JS_CASES, JS_MEMORY_BOMB, mismatch, moduleBytes, WASM_CASES } from '../runtime/sandbox/test-util/hostile-cases.js';

let server: CumulusServer;
let browser: Browser;
let page: Page;

type Check = { run(kind: string, module: readonly number[], exec: string, limits: TaskLimits, stdinBytes: number): Promise<CaseResult>; unlimited: string; stats(): { replaced: number } };

beforeAll(async () => {
  server = await createServer({ port: 0 });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  // One worker: every case and the normal task after it share one sandbox slot.
  await page.goto(`${server.url}/?workers=1`);
  await page.waitForFunction(() => 'cumulusSandbox' in globalThis, undefined, { timeout: 60_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function run(kind: 'js' | 'wasm', module: Uint8Array, exec: string, limits: TaskLimits, stdinBytes: number): Promise<CaseResult> {
  return page.evaluate(([k, m, e, l, n]) => (globalThis as unknown as { cumulusSandbox: Check }).cumulusSandbox.run(k, m, e, l, n), [kind, [...module], exec, limits, stdinBytes] as const);
}

async function normalTaskRuns(kind: 'js' | 'wasm'): Promise<void> {
  const module = kind === 'js' ? new TextEncoder().encode(exampleSource('cat.js')) : await compileAssemblyScript(exampleSource('cat.as.ts'));
  const r = await run(kind, module, kind === 'js' ? 'map' : 'cat', BASE_LIMITS, 5);
  expect(r).toMatchObject({ outcome: 'exited', exitCode: 0, stdout: 'xxxxx' });
}

describe('hostile tasks in a Chromium tab\'s sandboxes', () => {
  // A page cannot bound a Web Worker's heap: a JS memory bomb in a tab runs until its timeout ends
  // its worker (the tab and the next task unharmed), where a Node sandbox stops it at its heap limit.
  const tabMemoryBomb = { ...JS_MEMORY_BOMB, name: 'a memory bomb runs until its timeout ends its worker', limits: { timeoutMs: 3000 }, outcome: 'timeout' as const, stderr: /ran out of time/ };
  for (const c of [...JS_CASES, tabMemoryBomb, ...WASM_CASES]) {
    it(`${c.kind}: ${c.name}`, async () => {
      const r = await run(c.kind, await moduleBytes(c), c.exec, { ...BASE_LIMITS, ...c.limits }, c.stdinBytes ?? 16);
      expect(mismatch(c, r)).toBe('');
      await normalTaskRuns(c.kind);
    }, 60_000);
  }

  it('replaced the workers it ended, and says what it cannot bound', async () => {
    const check = await page.evaluate(() => {
      const c = (globalThis as unknown as { cumulusSandbox: Check }).cumulusSandbox;
      return { unlimited: c.unlimited, replaced: c.stats().replaced };
    });
    expect(check.replaced).toBeGreaterThanOrEqual(4);
    expect(check.unlimited).toMatch(/heap of a JS task/);
  });
});
