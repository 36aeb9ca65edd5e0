// `cumulus bench dropin --clients C`: what the coordination drop-in costs a web application and its
// visitors. The slow application runs in a process of its own (its CPU time is read from there);
// C Chromium pages open its form page and post it in a loop, once with plain pages and once with
// the drop-in's script tag (every page a peer of a ring with the Cumulus server's peer). Reports
// the application's CPU time, the page-load latency (navigation to the load event) and the POST
// latency (submit to the response shown) for both, and how long a visitor's peer takes to join.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer, type ServerPeer } from '../server/own-peer.js';
import { launchChromium, TAB_JOIN_TIMEOUT_MS } from './chromium.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { SlowAppStats } from './slow-app.js';
import { quantile, round } from './figures.js';
import type { OptionValues } from '../core/options.js';
import { stopProcess } from '../host/volunteer-process.js';

export const DROPIN_BENCH_OPTIONS = {
  clients: { type: 'integer', default: 16, min: 1, unit: 'pages', description: 'Chromium pages' },
  posts: { type: 'integer', default: 4, min: 1, description: 'POSTs per page' },
  capacity: { type: 'integer', default: 2, min: 1, description: 'POSTs at once per form' },
  delayMs: { type: 'integer', default: 50, min: 0, unit: 'ms', description: 'how long the application takes per POST' },
} as const;

export type DropinBenchOptions = OptionValues<typeof DROPIN_BENCH_OPTIONS>;

interface RunFigures {
  appCpuMs: number;
  pageLoadP50Ms: number;
  pageLoadP99Ms: number;
  postP50Ms: number;
  postP99Ms: number;
  posted: number;
  /** POSTs the drop-in refused (the wait ran out) or could not send. */
  notSent: number;
  firstFailure?: string;
  maxInFlight: number;
  joinP50Ms?: number;
}

const QUEUE_WAIT_MS = 30_000;

async function startApp(cumulusUrl: string | null, o: DropinBenchOptions): Promise<{ proc: ChildProcess; url: string; cpu(): Promise<{ ms: number; stats: SlowAppStats }> }> {
  const proc = fork(fileURLToPath(new URL('./slow-app-child.js', import.meta.url)), [cumulusUrl ?? '-', String(o.delayMs), String(o.capacity), String(QUEUE_WAIT_MS)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = (kind: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const on = (m: Record<string, unknown>) => {
      if (m.kind !== kind) return;
      proc.off('message', on);
      resolve(m);
    };
    proc.on('message', on);
    proc.once('exit', (code) => reject(new Error(`slow app exited (code ${code})`)));
  });
  const ready = await next('ready');
  return {
    proc,
    url: ready.url as string,
    cpu: async () => {
      const reply = next('cpu');
      proc.send({ kind: 'cpu' });
      const m = await reply;
      return { ms: (m.userMs as number) + (m.systemMs as number), stats: m.stats as SlowAppStats };
    },
  };
}

function stopApp(proc: ChildProcess): Promise<void> {
  return stopProcess(proc);
}

type Dropin = { status(): Promise<{ joined: boolean }> };

async function run(browser: Browser, cumulusUrl: string | null, o: DropinBenchOptions): Promise<RunFigures> {
  const app = await startApp(cumulusUrl, o);
  const context = await browser.newContext();
  try {
    const cpu0 = (await app.cpu()).ms;
    const loads: number[] = [];
    const joins: number[] = [];
    const pages: Page[] = [];
    // Visitors arrive one after another; with the drop-in each page's peer joins before the next.
    for (let c = 0; c < o.clients; c++) {
      const page = await context.newPage();
      const t = performance.now();
      await page.goto(`${app.url}/form/r${c % 2}?mode=queue`, { waitUntil: 'load' });
      loads.push(performance.now() - t);
      if (cumulusUrl) {
        await page.waitForFunction(() => (globalThis as unknown as { cumulusDropin: Dropin }).cumulusDropin.status().then((s) => s.joined), undefined, { timeout: TAB_JOIN_TIMEOUT_MS, polling: 20 });
        joins.push(performance.now() - t);
      }
      pages.push(page);
    }
    const posts: number[] = [];
    const failures: string[] = [];
    await Promise.all(pages.map(async (page, c) => {
      for (let i = 0; i < o.posts; i++) {
        const msg = `c${c}-${i}`;
        await page.fill('input[name=msg]', msg);
        const t = performance.now();
        await page.click('button[type=submit]');
        const outcome = await page.waitForFunction((m) => {
          if (document.querySelector(`#posted[data-msg="${m}"]`)) return 'posted';
          const st = document.querySelector('form')?.dataset.cumulus;
          return st === 'refused' || st === 'error' ? `${st}: ${document.querySelector('.cumulus-status')?.textContent ?? ''}` : false;
        }, msg, { timeout: QUEUE_WAIT_MS + 10_000, polling: 20 });
        const o = (await outcome.jsonValue()) as string;
        if (o === 'posted') posts.push(performance.now() - t);
        else failures.push(`${o} (reason: ${await page.evaluate(() => (globalThis as unknown as { cumulusDropin: { stats: { lastRefusal: string } } }).cumulusDropin.stats.lastRefusal)})`);
      }
    }));
    const end = await app.cpu();
    return {
      appCpuMs: Math.round(end.ms - cpu0),
      pageLoadP50Ms: round(quantile(loads, 0.5)),
      pageLoadP99Ms: round(quantile(loads, 0.99)),
      postP50Ms: round(quantile(posts, 0.5)),
      postP99Ms: round(quantile(posts, 0.99)),
      posted: end.stats.posts,
      notSent: failures.length,
      ...(failures.length > 0 ? { firstFailure: failures[0]!.slice(0, 200) } : {}),
      maxInFlight: Math.max(0, ...Object.values(end.stats.maxInFlight)),
      ...(cumulusUrl ? { joinP50Ms: round(quantile(joins, 0.5)) } : {}),
    };
  } finally {
    await context.close();
    await stopApp(app.proc);
  }
}

export async function runDropinBench(o: DropinBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-dropin-'));
  let server: CumulusServer | null = null;
  let own: ServerPeer | null = null;
  let browser: Browser | null = null;
  try {
    server = await createServer({ port: 0 });
    own = await startServerPeer(server, { dataDir: join(dir, 'server') });
    browser = await launchChromium();
    const plain = await run(browser, null, o);
    const dropin = await run(browser, server.url, o);
    return {
      clients: o.clients,
      postsPerClient: o.posts,
      capacity: o.capacity,
      appDelayMs: o.delayMs,
      without: plain,
      with: dropin,
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await browser?.close();
    await own?.close();
    await server?.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}
