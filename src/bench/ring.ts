// `cumulus bench ring --peers N [--browsers B]`: a server (with its own peer) and N `cumulus
// volunteer` processes on 127.0.0.1, plus B tabs of Debian's Chromium opening the volunteer page.
// It waits until every peer's successor and predecessor are the true ones (asking each peer),
// runs lookups from random peers, stops the server and its peer, waits for the ring to heal, runs
// the lookups again, and ends every process it started, by pid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { bytesToHex, idFromHex, type PeerId } from '../core/id.js';
import type { PeerStatus } from '../peer/peer.js';
import { trueOwner } from '../peer/ring-view.js';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer, type ServerPeer } from '../server/own-peer.js';
import { fullStatus } from '../host/peer-status.js';
import { launchChromium, TAB_JOIN_TIMEOUT_MS } from './chromium.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { spawnVolunteer } from '../host/volunteer-process.js';
import { LOCAL_RING_CONVERGE_MS, waitForConsistentRing } from '../host/local-ring.js';
import type { OptionValues } from '../core/options.js';
import { quantile, round } from './figures.js';

type Status = PeerStatus & { signal: { linksViaServer: number; linksViaOverlay: number } };
interface LookupAnswer { owner: PeerId; hops: number; ms: number }

export interface BenchPeer {
  id: PeerId;
  kind: 'server' | 'node' | 'browser';
  status(): Promise<Status>;
  lookup(keyHex: string): Promise<LookupAnswer>;
  stop(): Promise<void>;
}

export const RING_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 16, min: 1, unit: 'processes', description: 'volunteer processes' },
  browsers: { type: 'integer', default: 0, min: 0, unit: 'tabs', description: 'Chromium tabs opening the volunteer page' },
  lookups: { type: 'integer', default: 1000, min: 1, description: 'lookups with the server up, and again with it down' },
} as const;

export type RingBenchOptions = OptionValues<typeof RING_BENCH_OPTIONS> & {
  /** Longest wait for the ring to be consistent, each time (default LOCAL_RING_CONVERGE_MS). */
  convergeTimeoutMs?: number;
};

export interface RingBenchResult extends Record<string, unknown> {
  peers: number;
  browsers: number;
  consistent: boolean;
  lookupSuccess: number;
  lookupP50Ms: number;
  lookupP99Ms: number;
  serverSignalsPerJoin: number;
  linksViaServer: number;
  linksViaOverlay: number;
  lookupSuccessServerDown: number;
  wallMs: number;
}

/**
 * Lookups in flight at once. One: the figure is the latency a client sees on an idle cloud. With
 * 17+ processes on two cores, concurrent lookups would measure CPU queueing instead (8 at once
 * gave a P50 of ~8 ms against ~2 ms one at a time on this machine).
 */
const LOOKUP_CONCURRENCY = 1;
const POLL_MS = 100;

export async function runRingBench(o: RingBenchOptions): Promise<RingBenchResult> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-ring-'));
  const all: BenchPeer[] = [];
  let server: CumulusServer | null = null;
  let own: ServerPeer | null = null;
  let browser: Browser | null = null;
  try {
    server = await createServer({ port: 0 });
    own = await startServerPeer(server, { dataDir: join(dir, 'server') });
    all.push(serverPeer(own));
    // Joins one after another, as volunteers arrive, each through the server.
    for (let i = 0; i < o.peers; i++) all.push(nodePeer(await spawnVolunteer({ serverUrl: server.url, dataDir: join(dir, `v${i}`) })));
    if (o.browsers > 0) {
      browser = await launchChromium();
      for (let i = 0; i < o.browsers; i++) all.push(await browserPeer(browser, server.url));
    }
    const timeoutMs = o.convergeTimeoutMs ?? LOCAL_RING_CONVERGE_MS;
    const consistent = await waitConsistent(all, timeoutMs);
    const up = await runLookups(all, o.lookups);
    const statuses = await Promise.all(all.map((p) => p.status()));
    const joins = server.hub.stats.joins;
    const serverSignalsPerJoin = joins === 0 ? 0 : server.hub.stats.signalsRelayed / joins;
    const linksViaServer = statuses.reduce((n, s) => n + s.signal.linksViaServer, 0);
    const linksViaOverlay = statuses.reduce((n, s) => n + s.signal.linksViaOverlay, 0);

    // The server goes away, its peer with it (a graceful leave): the ring must carry on alone.
    await all.shift()!.stop();
    await server.close();
    server = null;
    const healed = await waitConsistent(all, timeoutMs);
    const down = await runLookups(all, o.lookups);
    return {
      peers: o.peers,
      browsers: o.browsers,
      consistent: consistent && healed,
      lookupSuccess: up.success,
      lookupP50Ms: round(quantile(up.ms, 0.5)),
      lookupP99Ms: round(quantile(up.ms, 0.99)),
      serverSignalsPerJoin: round(serverSignalsPerJoin),
      linksViaServer,
      linksViaOverlay,
      lookupSuccessServerDown: down.success,
      hopsAvg: round(up.hops.reduce((a, b) => a + b, 0) / Math.max(1, up.hops.length)),
      lookupP50MsServerDown: round(quantile(down.ms, 0.5)),
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await Promise.allSettled(all.map((p) => p.stop()));
    await browser?.close();
    await own?.close();
    await server?.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}

function waitConsistent(peers: BenchPeer[], timeoutMs: number): Promise<boolean> {
  return waitForConsistentRing(() => Promise.all(peers.map((p) => p.status())), timeoutMs, POLL_MS);
}

async function runLookups(peers: BenchPeer[], n: number): Promise<{ success: number; ms: number[]; hops: number[] }> {
  const ids = peers.map((p) => p.id);
  const ms: number[] = [];
  const hops: number[] = [];
  let ok = 0;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const key = randomKeyHex();
      const from = peers[Math.floor(Math.random() * peers.length)]!;
      try {
        const r = await from.lookup(key);
        if (r.owner !== trueOwner(ids, idFromHex(key))) continue;
        ok++;
        ms.push(r.ms);
        hops.push(r.hops);
      } catch {
        // A lookup that failed counts against success; the figure says how many.
      }
    }
  };
  await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
  return { success: n === 0 ? 1 : ok / n, ms, hops };
}

function serverPeer(p: ServerPeer): BenchPeer {
  return {
    id: p.id,
    kind: 'server',
    status: async () => fullStatus(p) as unknown as Status,
    lookup: async (key) => {
      const t = performance.now();
      const r = await p.peer.lookup(idFromHex(key));
      return { owner: r.owner, hops: r.hops, ms: performance.now() - t };
    },
    stop: () => p.close(),
  };
}

function nodePeer(v: Awaited<ReturnType<typeof spawnVolunteer>>): BenchPeer {
  return {
    id: v.id,
    kind: 'node',
    status: async () => (await v.request('status')) as Status,
    lookup: async (key) => (await v.request('lookup', key)) as LookupAnswer,
    stop: () => v.stop(),
  };
}

export async function browserPeer(browser: Browser, url: string): Promise<BenchPeer> {
  // A context per tab: its own IndexedDB, so its own identity, as a separate visitor would have.
  const context = await browser.newContext();
  const page: Page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => void logs.push(m.text()));
  page.on('pageerror', (e) => void logs.push(String(e)));
  await page.goto(url);
  try {
    await page.waitForFunction(() => 'cumulus' in globalThis || 'cumulusError' in globalThis, undefined, { timeout: TAB_JOIN_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`browser peer did not join: page says "${await page.textContent('#state')}"; console: ${logs.slice(-5).join(' | ')}`, { cause: e });
  }
  const err = await page.evaluate(() => (globalThis as unknown as { cumulusError?: string }).cumulusError);
  if (err) throw new Error(`browser peer could not join: ${err}`);
  type Api = { status(): Status; lookup(k: string): Promise<LookupAnswer> };
  const status = () => page.evaluate(() => (globalThis as unknown as { cumulus: Api }).cumulus.status());
  const id = (await status()).id;
  return {
    id,
    kind: 'browser',
    status,
    lookup: (key) => page.evaluate((k) => (globalThis as unknown as { cumulus: Api }).cumulus.lookup(k), key),
    stop: () => context.close(),
  };
}

function randomKeyHex(): string {
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(20)));
}
