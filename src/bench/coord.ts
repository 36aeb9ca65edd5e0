// `cumulus bench coord --peers N [--processes P]`: a server (with its own peer) and N Node peers on
// 127.0.0.1, hosted P to a process (32 processes with a WebRTC stack each are too heavy for two
// cores), on one real ring. It picks resources that all hash to one owner, then measures
//  - grant latency on an idle cloud: one acquire at a time from random peers (grantP50/P99Ms);
//  - throughput of that one owner: every peer runs acquire/release loops for --seconds
//    (grantsPerSec, and the latency under that load).
// Every child process is ended by its pid.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashNameToId, type PeerId } from '../core/id.js';
import type { PeerStatus } from '../peer/peer.js';
import { trueOwner } from '../peer/ring-view.js';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer, type ServerPeer } from '../server/own-peer.js';
import { LEASE_MS, MAX_CAPACITY, TAKEOVER_MARGIN_MS } from '../services/coord/constants.js';
import type { OptionValues } from '../core/options.js';
import { LOCAL_RING_CONVERGE_MS, waitForConsistentRing } from '../host/local-ring.js';
import { stopProcess } from '../host/volunteer-process.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { LoadReport } from './coord-child.js';
import { quantile, round } from './figures.js';

export const COORD_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 32, min: 1, unit: 'peers', description: 'Node peers besides the server\'s' },
  processes: { type: 'integer', default: 4, min: 1, unit: 'processes', description: 'processes hosting the peers' },
  seconds: { type: 'integer', default: 10, min: 1, unit: 's', description: 'length of the throughput run' },
  resources: { type: 'integer', default: 8, min: 1, description: 'resources on the one owner' },
  capacity: { type: 'integer', default: 64, min: 1, max: MAX_CAPACITY, description: 'capacity of each resource' },
  loops: { type: 'integer', default: 8, min: 1, description: 'acquire/release loops per peer in the throughput run' },
  samples: { type: 'integer', default: 500, min: 1, description: 'acquires one at a time for the idle latency' },
  sharedOwner: { type: 'flag', description: 'the owner is a peer hosted with others, not the server\'s own peer' },
} as const;

export type CoordBenchOptions = OptionValues<typeof COORD_BENCH_OPTIONS>;

interface Child { proc: ChildProcess; ids: PeerId[]; next(kind: string): Promise<Record<string, unknown>> }

/** Thirty-odd peers in a few processes take longer to settle than `cumulus up`'s handful. */
const CONVERGE_MS = 2 * LOCAL_RING_CONVERGE_MS;

function spawnChild(serverUrl: string, dir: string, count: number): Promise<Child> {
  const proc = fork(fileURLToPath(new URL('./coord-child.js', import.meta.url)), [serverUrl, dir, String(count)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // e.g. CUMULUS_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the peers' processes.
    execArgv: [...process.execArgv, ...(process.env.CUMULUS_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
  });
  const waiting: Array<{ kind: string; resolve(m: Record<string, unknown>): void }> = [];
  proc.on('message', (m: Record<string, unknown>) => {
    const at = waiting.findIndex((w) => w.kind === m.kind);
    if (at >= 0) waiting.splice(at, 1)[0]!.resolve(m);
  });
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`coord bench child ${proc.pid} exited (code ${code})`))));
  exited.catch(() => {});
  const next = (kind: string) => Promise.race([exited, new Promise<Record<string, unknown>>((resolve) => waiting.push({ kind, resolve }))]);
  return next('ready').then((m) => ({ proc, ids: m.ids as PeerId[], next }));
}

function ask(c: Child, msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = c.next(msg.kind as string);
  c.proc.send(msg);
  return reply;
}

function stopChild(c: Child): Promise<void> {
  return stopProcess(c.proc);
}

export async function runCoordBench(o: CoordBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-coord-'));
  const children: Child[] = [];
  let server: CumulusServer | null = null;
  let own: ServerPeer | null = null;
  try {
    server = await createServer({ port: 0 });
    own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') });
    const ownPeer = own;
    const per = Math.ceil(o.peers / o.processes);
    for (let i = 0, left = o.peers; left > 0; i++, left -= per) children.push(await spawnChild(server.url, join(dir, `c${i}`), Math.min(per, left)));
    const statuses = async () => [ownPeer.peer.status(), ...(await Promise.all(children.map(async (c) => (await ask(c, { kind: 'status' })).statuses as PeerStatus[]))).flat()];
    if (!(await waitForConsistentRing(statuses, CONVERGE_MS))) throw new Error(`the ring of ${o.peers + 1} peers was not consistent within ${CONVERGE_MS} ms`);
    // Resources whose keys all fall to one owner: the figure is one owner's. By default that owner is
    // the server's own peer, the only peer of its process, as every volunteer is on a real cloud; with
    // sharedOwner it is whichever peer owns 'bench-0', which shares its process (and the cores) with
    // seven other peers that run their own loops and forward the others' messages.
    const ids = [ownPeer.id, ...children.flatMap((c) => c.ids)];
    const owner = o.sharedOwner ? trueOwner(ids, hashNameToId('bench-0')) : ownPeer.id;
    const names: string[] = [];
    for (let i = 0; names.length < o.resources; i++) if (trueOwner(ids, hashNameToId(`bench-${i}`)) === owner) names.push(`bench-${i}`);
    const load = async (c: Child, loops: number, durationMs: number, maxGrants: number, waitMs: number, peer?: number) =>
      (await ask(c, { kind: 'load', names, capacity: o.capacity, waitMs, loopsPerPeer: loops, durationMs, maxGrants, ...(peer === undefined ? {} : { peer }) })).report as LoadReport;
    const ownerGrants = async () => (await Promise.all(children.map(async (c) => {
      const s = await ask(c, { kind: 'status' });
      return (s.grants as number[])[c.ids.indexOf(owner)] ?? 0;
    }))).reduce((a, b) => a + b, 0) + (owner === ownPeer.id ? ownPeer.peer.coord.stats.grants : 0);

    // Warm-up: the owner grants nothing for one lease after its range last changed.
    await Promise.all(children.map((c) => load(c, 1, LEASE_MS + TAKEOVER_MARGIN_MS + 2000, 0, LEASE_MS + TAKEOVER_MARGIN_MS + 1000)));
    // Latency on an idle cloud: one acquire at a time, from each peer in turn.
    const idle: number[] = [];
    for (let i = 0; idle.length < o.samples && i < o.samples * 2; i++) {
      const c = children[i % children.length]!;
      idle.push(...(await load(c, 1, 60_000, 1, 1000, Math.floor(i / children.length) % c.ids.length)).ms);
    }
    // Throughput: every peer's loops at once.
    const before = await ownerGrants();
    const tl = performance.now();
    const cpu0 = process.cpuUsage();
    const reports = await Promise.all(children.map((c) => load(c, o.loops, o.seconds * 1000, 0, 1000)));
    const cpu = process.cpuUsage(cpu0);
    const loadMs = performance.now() - tl;
    const grantsByOwner = (await ownerGrants()) - before;
    const loaded = reports.flatMap((r) => r.ms);
    const refused: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(r.refused)) refused[k] = (refused[k] ?? 0) + v;
    return {
      peers: o.peers + 1,
      grantP50Ms: round(quantile(idle, 0.5)),
      grantP99Ms: round(quantile(idle, 0.99)),
      grantsPerSec: Math.round(loaded.length / (loadMs / 1000)),
      ownerGrantsPerSec: Math.round(grantsByOwner / (loadMs / 1000)),
      // CPU time of the owner's process (this one, when the owner is the server's peer) per grant:
      // a measure that other load on the machine does not move much, unlike grants per second.
      ...(o.sharedOwner ? {} : { ownerCpuUsPerGrant: Math.round((cpu.user + cpu.system) / Math.max(1, grantsByOwner)) }),
      loadedP50Ms: round(quantile(loaded, 0.5)),
      loadedP99Ms: round(quantile(loaded, 0.99)),
      refused,
      misbehaviour: reports.reduce((n, r) => n + r.misbehaviour, 0),
      processes: children.length,
      ownerAlone: !o.sharedOwner,
      resources: o.resources,
      capacity: o.capacity,
      inFlight: o.loops * o.peers,
      idleSamples: idle.length,
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await Promise.allSettled(children.map(stopChild));
    await own?.close();
    await server?.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}
