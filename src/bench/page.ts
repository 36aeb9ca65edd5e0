// `cumulus bench page`: what the volunteer page costs its volunteer. A local cloud (the server and
// --peers in-process Node volunteers), one Chromium tab that loads the page, joins with one click,
// then sits idle for --idle-s seconds. Figures: idleCpuPct (the tab's renderer process, all its
// threads, CPU time over the idle window in percent of one core, from CDP Performance.getMetrics'
// ProcessTime; mainThreadPct is the renderer's main-thread task time alone; renderersPct is every
// renderer process of the browser, which adds headless Chromium's own WebUI renderer, from CDP
// SystemInfo.getProcessInfo), jsHeapMB (used JS heap after the idle window),
// loadMs (navigation to the page's load event), joinMs (click to joined) and bundleKB (the
// volunteer page's script as served gzipped, KiB).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OptionValues } from '../core/options.js';
import { startCloudServer, type CloudServer } from '../server/cloud.js';
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { launchChromium, TAB_JOIN_TIMEOUT_MS } from './chromium.js';
import { round } from './figures.js';

export const PAGE_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 2, min: 1, unit: 'peers', description: 'Node volunteers the tab joins (in this process)' },
  idleS: { type: 'number', default: 30, min: 1, unit: 's', description: 'how long the joined tab sits idle while its CPU is measured' },
} as const;

export type PageBenchOptions = OptionValues<typeof PAGE_BENCH_OPTIONS>;

interface ProcessInfo {
  type: string;
  cpuTime: number;
}

export async function runPageBench(o: PageBenchOptions): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-page-'));
  let cloud: CloudServer | null = null;
  const peers: RunningPeer[] = [];
  const browser = await launchChromium();
  try {
    cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'server') });
    const url = cloud.server.url;
    for (let i = 0; i < o.peers; i++) peers.push(await startNodePeer({ dataDir: join(dir, `v${i}`), serverUrl: url, storage: { quotaBytes: 64 * 1024 * 1024 } }));
    await cloud.peerReady();
    const bundle = await fetch(`${url}/volunteer.js`, { headers: { 'accept-encoding': 'gzip' } });
    const bundleBytes = (await bundle.arrayBuffer()).byteLength === 0 ? 0 : Number(bundle.headers.get('content-length') ?? 0);

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(url, { waitUntil: 'load' });
    const loadMs = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
    const t0 = Date.now();
    await page.click('#join');
    await page.waitForFunction(() => /^Joined/.test(document.getElementById('state')?.textContent ?? ''), undefined, { timeout: TAB_JOIN_TIMEOUT_MS });
    const joinMs = Date.now() - t0;

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const browserCdp = await browser.newBrowserCDPSession();
    const rendererCpuS = async () => {
      const info = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: ProcessInfo[] };
      return info.processInfo.filter((p) => p.type === 'renderer').reduce((a, p) => a + p.cpuTime, 0);
    };
    const metrics = async () => new Map((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const renderers0 = await rendererCpuS();
    const m0 = await metrics();
    const w0 = Date.now();
    await new Promise((resolve) => setTimeout(resolve, o.idleS * 1000));
    const wallS = (Date.now() - w0) / 1000;
    const m1 = await metrics();
    const pct = (name: string) => ((m1.get(name) ?? 0) - (m0.get(name) ?? 0)) / wallS * 100;
    const renderersPct = ((await rendererCpuS()) - renderers0) / wallS * 100;
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return {
      idleCpuPct: round(pct('ProcessTime')), mainThreadPct: round(pct('TaskDuration')), renderersPct: round(renderersPct), jsHeapMB: round(heap.usedSize / (1024 * 1024)),
      loadMs: Math.round(loadMs), joinMs, bundleKB: round(bundleBytes / 1024), idleS: round(wallS),
    };
  } finally {
    await browser.close();
    for (const p of peers) await p.close();
    await cloud?.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}
