// `cumulus bench restart`: one ring after the server comes back. A server (`cumulus serve`, its own
// process), --peers volunteer processes and --browsers Chromium tabs form a ring and store --files
// files through the gateway. Then, three times, the server goes away for --downtime seconds while
// the ring carries on, and comes back on the same data directory: stopped with SIGINT and started
// again; killed with SIGKILL and started again; stopped, and `cumulus up` (its own server and one
// volunteer) started beside the ring in its place. Each time it measures how long after the start
// the ring is one (every peer's successor and predecessor true, counting every peer the server's
// hub knows, its own peer included) and the gateway lists and reads back every file, up to
// --bound seconds. Every process is ended by its pid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { peerIdFromHex } from '../core/id.js';
import type { OptionValues } from '../core/options.js';
import { ringConsistent } from '../peer/ring-view.js';
import { FileUserStore } from '../server/api/users.js';
import { Cumulus } from '../sdk/index.js';
import { spawnVolunteer } from '../host/volunteer-process.js';
import { launchChromium } from './chromium.js';
import { browserPeer, nodePeer, type BenchPeer } from './bench-peers.js';
import { freePort, GatewayFiles, startServe, startUp, type ServerProcess } from './restart-cloud.js';

export const RESTART_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 3, min: 1, unit: 'processes', description: 'volunteer processes on the ring' },
  browsers: { type: 'integer', default: 2, min: 0, unit: 'tabs', description: 'Chromium tabs on the ring' },
  files: { type: 'integer', default: 12, min: 1, description: 'files stored through the gateway (1 KiB to 512 KiB)' },
  downtime: { type: 'integer', default: 120, min: 1, unit: 's', description: 'how long the server stays away each time' },
  bound: { type: 'integer', default: 30, min: 1, unit: 's', description: 'longest wait, after the server starts again, for one ring and every file' },
} as const;

export type RestartBenchOptions = OptionValues<typeof RESTART_BENCH_OPTIONS>;

type Way = 'sigint' | 'sigkill' | 'up';
const WAYS: readonly Way[] = ['sigint', 'sigkill', 'up'];
/** How often the ring and the gateway are looked at while waiting. */
const POLL_MS = 250;
/** Longest the ring of volunteers and tabs may take to be consistent: at the start, and after the server left. */
const RING_BOUND_MS = 60_000;
const USER = 'restart';

export interface RestartFigures {
  /** The ring without the server was consistent while it was away. */
  carriedOn: boolean;
  /** One ring and every file listed and read within the bound. */
  oneRing: boolean;
  /** From the server's start until then (the bound when never). */
  ms: number;
  listed: number;
  read: number;
  /** How the server's peer found its ring, as it said. */
  serverPeer: string;
}

export async function runRestartBench(o: RestartBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-restart-'));
  const data = join(dir, 'cloud');
  const peers: BenchPeer[] = [];
  let server: ServerProcess | null = null;
  let browser: Browser | null = null;
  try {
    const port = await freePort();
    const token = await (await FileUserStore.open(join(data, 'users'))).add(USER, Date.now());
    const url = `http://127.0.0.1:${port}`;
    const client = new Cumulus({ url, token });
    server = await startServe(port, data);
    for (let i = 0; i < o.peers; i++) peers.push(nodePeer(await spawnVolunteer({ serverUrl: url, dataDir: join(dir, `v${i}`) })));
    if (o.browsers > 0) browser = await launchChromium();
    for (let i = 0; i < o.browsers; i++) peers.push(await browserPeer(browser!, url));
    if (!(await until(() => oneRing(peers, client), RING_BOUND_MS))) throw new Error('the first ring was not consistent');
    const files = new GatewayFiles(client, 'restart');
    await files.put(o.files, 1);
    const out: Record<string, unknown> = { peers: o.peers, browsers: o.browsers, files: o.files, downtimeS: o.downtime, boundS: o.bound };
    for (const way of WAYS) {
      await server.stop(way === 'sigkill' ? 'SIGKILL' : 'SIGINT');
      server = null;
      const carriedOn = await until(() => oneRing(peers, null), RING_BOUND_MS);
      await sleep(o.downtime * 1000);
      const started = performance.now();
      server = way === 'up' ? await startUp(port, data, 1) : await startServe(port, data);
      const f = await settle(peers, client, files, started, o.bound * 1000);
      const figures: RestartFigures = { carriedOn, ...f, serverPeer: server.start };
      for (const [k, v] of Object.entries(figures)) out[`${way}${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
    }
    out.wallMs = Math.round(performance.now() - t0);
    return out;
  } finally {
    await Promise.allSettled(peers.map((p) => p.stop()));
    await browser?.close();
    await server?.stop('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wait until the ring is one and the gateway lists and reads every file, up to boundMs from `started`. */
async function settle(peers: BenchPeer[], client: Cumulus, files: GatewayFiles, started: number, boundMs: number): Promise<Pick<RestartFigures, 'oneRing' | 'ms' | 'listed' | 'read'>> {
  let last = { listed: 0, read: 0 };
  const ok = await until(async () => {
    if (!(await oneRing(peers, client))) return false;
    last = await files.check();
    return last.listed === files.count && last.read === files.count;
  }, boundMs - (performance.now() - started));
  return { oneRing: ok, ms: Math.round(ok ? performance.now() - started : boundMs), ...last };
}

/**
 * Is the ring one? Every peer we drive reports itself in place with true neighbours, counting the
 * peers the server's hub knows that we do not drive (its own peer, `cumulus up`'s volunteer);
 * without a server (client null), our peers alone.
 */
async function oneRing(peers: BenchPeer[], client: Cumulus | null): Promise<boolean> {
  try {
    // The server's peer attached beside the ring (its default) is on no successor list: not counted.
    const others = client === null ? [] : (await client.nodes()).filter((n) => n.meta.attached === undefined).map((n) => peerIdFromHex(n.id));
    return ringConsistent(await Promise.all(peers.map((p) => p.status())), others);
  } catch {
    return false;
  }
}

async function until(done: () => Promise<boolean>, boundMs: number): Promise<boolean> {
  const deadline = performance.now() + boundMs;
  for (;;) {
    if (await done()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
