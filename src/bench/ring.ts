// `cumulus bench ring --peers N [--browsers B]`: a server (with its own peer) and N `cumulus
// volunteer` processes on 127.0.0.1, plus B tabs of Debian's Chromium opening the volunteer page.
// It waits until every peer's successor and predecessor are the true ones (asking each peer),
// runs lookups from random peers, stops the server and its peer, waits for the ring to heal, runs
// the lookups again, and ends every process it started, by pid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { bytesToHex, idFromHex } from '../core/id.js';
import { trueOwner } from '../peer/ring-view.js';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer, type ServerPeer } from '../server/own-peer.js';
import { launchChromium } from './chromium.js';
import { browserPeer, nodePeer, serverPeer, type BenchPeer } from './bench-peers.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { spawnVolunteer } from '../host/volunteer-process.js';
import { LOCAL_RING_CONVERGE_MS, waitForConsistentRing } from '../host/local-ring.js';
import type { OptionValues } from '../core/options.js';
import { quantile, round } from './figures.js';


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
    own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') });
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
    const connections = statuses.flatMap((s) => (s.connections ? [s.connections] : []));
    const peerHours = connections.reduce((h, c) => h + c.uptimeMs, 0) / 3_600_000;

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
      overlayLinkShare: round(linksViaOverlay / Math.max(1, linksViaServer + linksViaOverlay)),
      // RTCPeerConnections created per peer and hour of uptime (a tab may create about 500 in its life).
      setupsPerPeer: round(connections.reduce((n, c) => n + c.setups, 0) / Math.max(1, connections.length)),
      setupsPerPeerHour: round(connections.reduce((n, c) => n + c.setups, 0) / Math.max(1e-9, peerHours)),
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

export async function runLookups(peers: BenchPeer[], n: number): Promise<{ success: number; ms: number[]; hops: number[] }> {
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

function randomKeyHex(): string {
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(20)));
}
