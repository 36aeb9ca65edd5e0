// `cumulus bench netlab`: the cloud beyond one machine, on the network lab. A rendezvous server
// and coturn on the lab's public network, --per-home volunteers in each of three homes behind a
// full-cone-like, a port-restricted and a symmetric NAT, and one Chromium tab in the full-cone
// home. Volunteers configure nothing: the server hands them STUN and TURN with their own
// credentials. The bench waits for one consistent ring, runs lookups, puts a --mb MB file from
// the first home and reads it back byte for byte in the symmetric one, counts links by how they
// connected, then stops the server and runs the lookups again. Everything it started is ended by
// pid and the lab is taken down, also when a step fails.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { OptionValues } from '../../core/options.js';
import { spawnVolunteer, type VolunteerProcess } from '../../host/volunteer-process.js';
import { waitForConsistentRing } from '../../host/local-ring.js';
import { quantile, round } from '../figures.js';
import { browserPeer, nodePeer, type BenchPeer, type BenchStatus as Status } from '../bench-peers.js';
import { runLookups } from '../ring.js';
import { startCoturn, TURN_PORT, type Coturn } from './coturn.js';
import { createLab, type Lab, type NatKind } from './lab.js';
import { launchChromiumIn } from './tab.js';
import { linkKindsOf, type LabPeer } from './links.js';
import { KIND_SETTLED_MS } from '../../runtime/link-kind.js';

export const NETLAB_BENCH_OPTIONS = {
  perHome: { type: 'integer', default: 3, min: 1, max: 8, unit: 'processes', description: 'volunteers in each of the three homes' },
  tab: { type: 'integer', default: 1, min: 0, max: 1, unit: 'tabs', description: 'Chromium tabs (in the full-cone home)' },
  lookups: { type: 'integer', default: 200, min: 1, description: 'lookups with the server up, and again with it down' },
  mb: { type: 'integer', default: 16, min: 1, max: 256, unit: 'MB', description: 'size of the file put from one home and read in another (10^6 bytes)' },
} as const;
export type NetlabBenchOptions = OptionValues<typeof NETLAB_BENCH_OPTIONS>;

const HOMES: readonly NatKind[] = ['full-cone', 'port-restricted', 'symmetric'];
const SERVER_PORT = 8080;
/** Longest wait for one consistent ring of a dozen peers behind NATs on a loaded two-core machine. */
const CONVERGE_MS = 120_000;
/** A put or get of the file through NATs and a relay: generous, the figure is correctness. */
const TRANSFER_TIMEOUT_MS = 300_000;
const POLL_MS = 250;

export async function runNetlabBench(o: NetlabBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  // Progress on stderr: a lab run takes minutes, and a step that hangs should say which it is.
  const log = (what: string) => void process.stderr.write(`netlab ${Math.round(performance.now() - t0)} ms: ${what}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-netlab-'));
  let lab: Lab | null = null;
  let turn: Coturn | null = null;
  let browser: Browser | null = null;
  const procs: VolunteerProcess[] = [];
  const peers: LabPeer[] = [];
  try {
    lab = await createLab(HOMES);
    turn = await startCoturn(lab);
    log(`lab ${lab.tag} up, coturn on ${turn.url}`);
    const url = `http://${lab.pubAddr}:${SERVER_PORT}`;
    const server = await spawnVolunteer({
      serverUrl: url, dataDir: join(dir, 'server'), netns: lab.pubNs,
      args: ['serve', '--host', lab.pubAddr, '--port', String(SERVER_PORT), '--data', join(dir, 'server'),
        '--ice-server', `stun:${lab.pubAddr}:${TURN_PORT}`, '--ice-server', `turn:${lab.pubAddr}:${TURN_PORT}?transport=udp`,
        '--turn-secret-file', turn.secretFile, '--ice-interfaces', 'all', '--lend-storage'],
    });
    procs.push(server);
    log(`server up at ${url}`);
    peers.push({ ...nodePeer(server), nat: 'public' });
    const joinMs: number[] = [];
    for (let i = 0; i < o.perHome; i++) {
      for (const home of lab.homes) {
        const t = performance.now();
        const v = await spawnVolunteer({ serverUrl: url, dataDir: join(dir, `${home.name}-v${i}`), netns: home.ns, iceInterfaces: 'all' });
        joinMs.push(performance.now() - t);
        procs.push(v);
        peers.push({ ...nodePeer(v), nat: home.nat });
        log(`volunteer in ${home.name} (${home.nat}) joined`);
      }
    }
    if (o.tab > 0) {
      browser = await launchChromiumIn(lab.homes[0]!.ns, url, dir);
      const t = performance.now();
      peers.push({ ...withStatusLimit(await browserPeer(browser, url)), nat: lab.homes[0]!.nat });
      joinMs.push(performance.now() - t);
      log('tab joined');
    }
    const statuses = () => Promise.all(peers.map((p) => p.status()));
    const consistent = await waitForConsistentRing(statuses, CONVERGE_MS, POLL_MS);
    const formedAt = performance.now();
    log(`ring consistent: ${consistent}`);
    const up = await runLookups(peers, o.lookups);
    log(`lookups: ${up.success}`);
    const putGetOk = await putGet(procs, o.perHome, o.mb, dir);
    log(`put/get: ${putGetOk}`);
    // ICE may move a link to a better pair after it opened; the peers read their links' pairs
    // again for a while after each came up, so the kinds are read once that is over.
    await new Promise((r) => setTimeout(r, Math.max(0, KIND_SETTLED_MS - (performance.now() - formedAt))));
    const settled = await statuses();
    const links = linkKindsOf(peers, settled);

    // The server goes (its peer leaves gracefully): links signaled through the overlay and relays
    // whose credentials still last carry the ring on.
    await server.stop();
    peers.shift();
    const healed = await waitForConsistentRing(statuses, CONVERGE_MS, POLL_MS);
    log(`server stopped; ring consistent: ${healed}`);
    const down = await runLookups(peers, o.lookups);
    const final = await statuses();
    const hours = Math.max(1e-9, final.reduce((n, s) => n + (s.connections?.uptimeMs ?? 0), 0) / 3_600_000);
    return {
      peers: peers.length + 1,
      consistent,
      lookupSuccess: round(up.success),
      linksByKind: links.byKind,
      relayedWhereAvoidable: links.relayedWhereAvoidable,
      relayedLinks: links.relayed,
      putGetOk,
      joinMsP50: Math.round(quantile(joinMs, 0.5)),
      joinMsMax: Math.round(Math.max(...joinMs)),
      consistentServerDown: healed,
      lookupSuccessServerDown: round(down.success),
      lookupP50Ms: round(quantile(up.ms, 0.5)),
      setupsPerPeerHour: round(final.reduce((n, s) => n + (s.connections?.setups ?? 0), 0) / hours),
      // Relayed links tried again without TURN, those tries that failed, and links moved to direct.
      upgrades: sumUpgrades(settled),
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await Promise.allSettled(peers.map((p) => p.stop()));
    await browser?.close().catch(() => undefined);
    await Promise.allSettled(procs.map((p) => p.stop()));
    await turn?.stop();
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Longest a tab may take to say its status: a stalled tab fails the poll instead of hanging the bench. */
const TAB_STATUS_TIMEOUT_MS = 15_000;

function withStatusLimit(p: BenchPeer): BenchPeer {
  const status = () => new Promise<Awaited<ReturnType<BenchPeer['status']>>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tab ${p.id.slice(0, 8)}: no status in ${TAB_STATUS_TIMEOUT_MS} ms`)), TAB_STATUS_TIMEOUT_MS);
    p.status().then(resolve, reject).finally(() => clearTimeout(timer));
  });
  return { ...p, status };
}

/** Put a random file through a volunteer of the first home, get it through one of the symmetric home. */
async function putGet(procs: VolunteerProcess[], perHome: number, mb: number, dir: string): Promise<boolean> {
  // procs[0] is the server; volunteers follow home by home in each round.
  const from = procs[1]!;
  const to = procs[Math.min(procs.length - 1, 1 + HOMES.indexOf('symmetric') + 3 * (perHome - 1))]!;
  const src = join(dir, 'put.bin');
  const dst = join(dir, 'got.bin');
  writeFileSync(src, randomBytes(mb * 1_000_000));
  await from.request('put', { path: '/netlab-file.bin', file: src }, TRANSFER_TIMEOUT_MS);
  await to.request('get', { path: '/netlab-file.bin', file: dst }, TRANSFER_TIMEOUT_MS);
  const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  return hash(src) === hash(dst);
}

export type { BenchPeer };

function sumUpgrades(statuses: readonly Status[]): { tries: number; failed: number; moved: number } {
  const sum = { tries: 0, failed: 0, moved: 0 };
  for (const s of statuses) {
    const u = s.connections?.upgrades;
    if (!u) continue;
    sum.tries += u.tries;
    sum.failed += u.failed;
    sum.moved += u.moved;
  }
  return sum;
}
