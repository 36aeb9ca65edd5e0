// `cumulus bench storage --peers N --mb M`: a real loopback cloud — a server with its own peer and
// N `cumulus volunteer` processes — stores an M MiB file of random bytes through one volunteer
// and reads it back through another (both over the volunteers' IPC control: put/get of a local
// file). Then two other volunteers that hold replicas are killed (SIGKILL, by pid, as a crash),
// the survivors' ring is given time to heal, and the file is read again. The link bench's raw
// node-datachannel channel runs in the same run, just before and just after the read while the
// cloud is up, as the yardstick: getRatio = getMBps / mean rawLinkMBps. Every process started here
// is ended by its pid.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerId } from '../core/id.js';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer, type ServerPeer } from '../server/own-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { spawnVolunteer, type VolunteerProcess } from '../host/volunteer-process.js';
import { runLinkBench } from './link.js';
import { round } from './figures.js';
import { LOCAL_RING_CONVERGE_MS, localStatuses, waitForConsistentRing } from '../host/local-ring.js';
import type { OptionValues } from '../core/options.js';
import { REPLICAS } from '../services/storage/constants.js';

export const STORAGE_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 4, min: 4, unit: 'processes', description: 'volunteer processes: one puts, one gets, two are killed' },
  mb: { type: 'integer', default: 64, min: 1, unit: 'MiB', description: 'size of the file stored and read' },
  replicas: REPLICAS,
} as const;

export type StorageBenchOptions = OptionValues<typeof STORAGE_BENCH_OPTIONS> & {
  /** Longest wait for the ring to be consistent, each time (default LOCAL_RING_CONVERGE_MS). */
  convergeTimeoutMs?: number;
};

export interface StorageBenchResult extends Record<string, unknown> {
  putMBps: number;
  getMBps: number;
  rawLinkMBps: number;
  getRatio: number;
  sha256Match: boolean;
  sha256MatchAfterKill: boolean;
}

interface GetAnswer { bytes: number; ms: number; chunks: number; localChunks: number; deadReplicas: number; hedgedReads: number; cpuMs: number }
interface PutAnswer { size: number; etag: string; chunks: number; ms: number }
interface FileStatAnswer { kind: 'file'; chunks: Array<{ id: string; holders: PeerId[] }> }

/** A put or get of a large file over the control channel may take minutes on a loaded machine. */
const TRANSFER_TIMEOUT_MS = 15 * 60_000;
/** Volunteers lend enough for r copies of the file spread unevenly over a few peers. */
const QUOTA_MB = 2048;
/** MB here is 10^6 bytes, as the link bench quotes throughput. */
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

export async function runStorageBench(o: StorageBenchOptions): Promise<StorageBenchResult> {
  if (o.peers < 4) throw new Error('bench storage needs at least 4 volunteers: one puts, one gets, two are killed');
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-storage-'));
  const vols: VolunteerProcess[] = [];
  let server: CumulusServer | null = null;
  let own: ServerPeer | null = null;
  try {
    server = await createServer({ port: 0 });
    own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') });
    for (let i = 0; i < o.peers; i++) {
      vols.push(await spawnVolunteer({ serverUrl: server.url, dataDir: join(dir, `v${i}`), quotaMb: QUOTA_MB, requestTimeoutMs: TRANSFER_TIMEOUT_MS }));
    }
    const ownPeer = own;
    const convergeMs = o.convergeTimeoutMs ?? LOCAL_RING_CONVERGE_MS;
    const consistent = await waitForConsistentRing(localStatuses(ownPeer, vols), convergeMs);
    if (!consistent) throw new Error(`the ring of the server and ${o.peers} volunteers was not consistent within ${convergeMs} ms`);

    const bytes = o.mb * 1024 * 1024;
    const input = join(dir, 'input.bin');
    const sha256 = await writeRandomFile(input, bytes);
    const path = `/bench-${randomBytes(6).toString('hex')}.bin`;
    const putter = vols[0]!;
    const put = (await putter.request('put', { path, file: input, replicas: o.replicas })) as PutAnswer;
    if (put.etag !== sha256) throw new Error(`the put's etag ${put.etag} is not the file's sha256 ${sha256}`);
    // Who holds what: the reader is the other volunteer holding the fewest chunks, so the read
    // crosses links rather than its own store; the victims are the two others holding the most.
    const stat = (await putter.request('stat', { path })) as FileStatAnswer;
    const held = new Map<PeerId, number>();
    for (const c of stat.chunks) for (const h of c.holders) held.set(h, (held.get(h) ?? 0) + 1);
    const heldBy = (v: VolunteerProcess) => held.get(v.id) ?? 0;
    const getter = vols.slice(1).sort((a, b) => heldBy(a) - heldBy(b))[0]!;
    // The yardstick runs just before and just after the read, with the same cloud up beside it; the
    // machine's load swings by 2x within a minute, so the mean of the two brackets the read better than either.
    const linkBefore = await runLinkBench({ totalBytes: bytes, keepRtc: true });
    const got = (await getter.request('get', { path, file: join(dir, 'out1.bin') })) as GetAnswer;
    const gotSha = await sha256OfFile(join(dir, 'out1.bin'));
    // A second read right away: the links the first one needed are open now.
    const warm = (await getter.request('get', { path, file: join(dir, 'out1.bin') })) as GetAnswer;
    const linkAfter = await runLinkBench({ totalBytes: bytes, keepRtc: true });
    const rawLinkMBps = (linkBefore.rawMBps + linkAfter.rawMBps) / 2;

    // Kill the two volunteers (not the getter) that hold the most chunks.
    const victims = vols.filter((v) => v !== getter && heldBy(v) > 0).sort((a, b) => heldBy(b) - heldBy(a)).slice(0, 2);
    if (victims.length < 2) throw new Error('fewer than two volunteers other than the getter hold replicas');
    const killedChunks = victims.map(heldBy);
    const healStart = performance.now();
    await Promise.all(victims.map((v) => killByPid(v)));
    const alive = vols.filter((v) => !victims.includes(v));
    const healed = await waitForConsistentRing(localStatuses(ownPeer, alive), 2 * convergeMs);
    const healMs = performance.now() - healStart;
    const again = (await getter.request('get', { path, file: join(dir, 'out2.bin') })) as GetAnswer;
    const againSha = await sha256OfFile(join(dir, 'out2.bin'));

    const getMBps = mbps(got.bytes, got.ms);
    return {
      putMBps: round(mbps(put.size, put.ms)),
      getMBps: round(getMBps),
      rawLinkMBps: round(rawLinkMBps),
      getRatio: round(getMBps / rawLinkMBps),
      sha256Match: gotSha === sha256 && got.bytes === bytes,
      sha256MatchAfterKill: againSha === sha256 && again.bytes === bytes,
      peers: o.peers,
      fileBytes: bytes,
      chunks: put.chunks,
      getLocalShare: round(got.localChunks / Math.max(1, got.chunks)),
      getHedgedReads: got.hedgedReads,
      getterCpuMsPerMB: round(got.cpuMs / (got.bytes / 1e6)),
      rawLinkMBpsBeforeAfter: [linkBefore.rawMBps, linkAfter.rawMBps],
      cumulusLinkMBps: round((linkBefore.cumulusMBps + linkAfter.cumulusMBps) / 2),
      killedPids: victims.map((v) => v.pid),
      killedHeldChunks: killedChunks,
      ringHealed: healed,
      healMs: Math.round(healMs),
      getWarmMBps: round(mbps(warm.bytes, warm.ms)),
      getWarmLocalShare: round(warm.localChunks / Math.max(1, warm.chunks)),
      getAfterKillMBps: round(mbps(again.bytes, again.ms)),
      getAfterKillLocalShare: round(again.localChunks / Math.max(1, again.chunks)),
      deadReplicasAfterKill: again.deadReplicas,
      hedgedReadsAfterKill: again.hedgedReads,
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await Promise.allSettled(vols.map((v) => v.stop()));
    await own?.close();
    await server?.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A file of random bytes, written 1 MiB at a time; resolves with its hex SHA-256. */
async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = bytes; left > 0; ) {
    const piece = randomBytes(Math.min(left, 1 << 20));
    hash.update(piece);
    left -= piece.length;
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return hash.digest('hex');
}

/** The SHA-256 of a file as written on disk by a volunteer's get. */
async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** A crash: SIGKILL to the volunteer's pid, then wait for the process to be gone. */
async function killByPid(v: VolunteerProcess): Promise<void> {
  if (v.child.exitCode !== null || v.child.signalCode !== null) return;
  const exited = once(v.child, 'exit');
  process.kill(v.pid, 'SIGKILL');
  await exited;
}
