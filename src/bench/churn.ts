// `cumulus bench churn --tabs T --peers N --files F --minutes M`: real volunteers coming and going
// under a real cloud. A server (gateway, signaling, its own peer), N `cumulus volunteer` processes
// and T Chromium tabs on the volunteer page (a browser context each, so an identity each) form a
// ring; F files of 1 KiB to --max-mib MiB (log-uniform sizes, random bytes) are stored through the
// gateway. Then for M minutes, every --wave-min-s to --wave-max-s, one to --wave-peers members
// leave without a word: a tab is closed and a new tab (a new identity) opens, a volunteer is killed
// with SIGKILL and a new one starts on an empty directory. A reader fetches a random file through
// the gateway all along and checks its bytes. After the churn every file is read until it reads
// right or --settle-s pass; a file that still does not is lost, and its chunks are read one by one
// to count those without a live copy. Every process started here is ended by its pid.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { OptionValues } from '../core/options.js';
import type { PeerStatus } from '../peer/peer.js';
import { startCloudServer, type CloudServer } from '../server/cloud.js';
import { fullStatus } from '../host/peer-status.js';
import { waitForConsistentRing } from '../host/local-ring.js';
import { spawnVolunteer, type VolunteerProcess } from '../host/volunteer-process.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { REPLICAS, DEFAULT_CHUNK_BYTES } from '../services/storage/constants.js';
import { Cumulus } from '../sdk/index.js';
import { WAVE_OPTIONS } from '../sim/scenarios/storage-churn.js';
import { launchChromium } from './chromium.js';
import { browserPeer, nodePeer, type BenchPeer } from './bench-peers.js';

export const CHURN_BENCH_OPTIONS = {
  tabs: { type: 'integer', default: 6, min: 0, unit: 'tabs', description: 'Chromium tabs on the volunteer page' },
  peers: { type: 'integer', default: 4, min: 0, unit: 'processes', description: 'volunteer processes' },
  files: { type: 'integer', default: 30, min: 1, unit: 'files', description: 'files stored before the churn' },
  minutes: { type: 'number', default: 5, min: 0, unit: 'min', description: 'how long the churn lasts' },
  maxMib: { type: 'number', default: 8, min: 0.001, unit: 'MiB', description: 'largest file; sizes are log-uniform from 1 KiB' },
  ...WAVE_OPTIONS,
  readEveryS: { type: 'number', default: 2, min: 0.1, unit: 's', description: 'pause between two reads during the churn' },
  settleS: { type: 'number', default: 150, min: 0, unit: 's', description: 'after the churn, how long a file may take to read right again' },
  replicas: REPLICAS,
} as const;

export type ChurnBenchOptions = OptionValues<typeof CHURN_BENCH_OPTIONS>;

/** Longest one read of a whole file may take before it counts as failed. */
const READ_TIMEOUT_MS = 60_000;
/** Attempts at storing each file before the churn. */
const PUT_ATTEMPTS = 3;
/** A volunteer lends room for a replica of every file, with space to spare (MiB). */
const VOLUNTEER_QUOTA_MIB = 1024;
const MIB = 1024 * 1024;

interface Member {
  kind: 'tab' | 'node';
  peer: BenchPeer;
  /** Leave without a word: close the tab, or SIGKILL the process. */
  crash(): Promise<void>;
}

interface Stored {
  path: string;
  size: number;
  sha: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whole-file read through the gateway, bounded in time: its SHA-256, or why it failed. */
async function readSha(cloud: Cumulus, path: string, range?: { start: number; end: number }): Promise<{ sha?: string; error?: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS)));
  try {
    const bytes = await Promise.race([(async () => {
      const res = await cloud.get(path, range ? { range } : {});
      return new Uint8Array(await new Response(res.body).arrayBuffer());
    })(), timeout]);
    return { sha: sha256(bytes) };
  } catch (e) {
    return { error: (e as Error).message.slice(0, 300) };
  } finally {
    clearTimeout(timer);
  }
}

export async function runChurnBench(o: ChurnBenchOptions): Promise<Record<string, unknown>> {
  if (o.waveMaxS < o.waveMinS) throw new Error('--wave-max-s must be at least --wave-min-s');
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-churn-'));
  let server: CloudServer | null = null;
  let browser: Browser | null = null;
  const members: Member[] = [];
  let made = 0;
  try {
    // The server's peer lends storage here, as it did when this bench's figures were taken (docs/storage.md).
    server = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'server'), peerOptions: { lendStorage: true } });
    const url = server.server.url;
    const own = server.peer!;
    browser = o.tabs > 0 ? await launchChromium() : null;
    const node = async (): Promise<Member> => {
      const v: VolunteerProcess = await spawnVolunteer({ serverUrl: url, dataDir: join(dir, `volunteer-${made++}`), quotaMb: VOLUNTEER_QUOTA_MIB });
      return { kind: 'node', peer: nodePeer(v), crash: async () => {
        const gone = new Promise<void>((r) => (v.child.exitCode !== null ? r() : v.child.once('exit', () => r())));
        v.child.kill('SIGKILL');
        await gone;
      } };
    };
    const tab = async (): Promise<Member> => {
      const peer = await browserPeer(browser!, url);
      return { kind: 'tab', peer, crash: () => peer.stop() };
    };
    for (let i = 0; i < o.peers; i++) members.push(await node());
    for (let i = 0; i < o.tabs; i++) members.push(await tab());
    const statuses = async () => [fullStatus(own) as unknown as PeerStatus, ...(await Promise.all(members.map((m) => m.peer.status() as Promise<PeerStatus>)))];
    const consistentAtStart = await waitForConsistentRing(statuses);

    const token = await server.users.add('bench', Date.now());
    const cloud = new Cumulus({ url, token });
    const stored: Stored[] = [];
    let writesFailed = 0;
    for (let i = 0; i < o.files; i++) {
      const size = Math.round(Math.exp(Math.log(1024) + Math.random() * (Math.log(o.maxMib * MIB) - Math.log(1024))));
      const bytes = randomBytes(size);
      const path = `f${i}.bin`;
      let ok = false;
      for (let a = 0; a < PUT_ATTEMPTS && !ok; a++) ok = await cloud.put(path, bytes, { replicas: o.replicas }).then(() => true, () => false);
      if (ok) stored.push({ path, size, sha: sha256(bytes) });
      else writesFailed++;
    }

    // The churn and, beside it, one reader.
    const reads = { ok: 0, failed: 0, wrong: 0, firstFailure: undefined as string | undefined };
    let departures = 0;
    let churning = true;
    const reader = (async () => {
      while (churning && stored.length > 0) {
        const f = stored[Math.floor(Math.random() * stored.length)]!;
        const r = await readSha(cloud, f.path);
        if (r.sha === f.sha) reads.ok++;
        else if (r.sha !== undefined) reads.wrong++;
        else {
          reads.failed++;
          reads.firstFailure ??= `${f.path}: ${r.error}`;
        }
        await sleep(o.readEveryS * 1000);
      }
    })();
    const end = performance.now() + o.minutes * 60_000;
    for (;;) {
      const waitMs = (o.waveMinS + Math.random() * (o.waveMaxS - o.waveMinS)) * 1000;
      if (performance.now() + waitMs > end) break;
      await sleep(waitMs);
      const n = Math.min(1 + Math.floor(Math.random() * o.wavePeers), members.length);
      const leaving = members.splice(0, members.length).sort(() => Math.random() - 0.5);
      const gone = leaving.splice(0, n);
      members.push(...leaving);
      await Promise.all(gone.map((m) => m.crash()));
      departures += gone.length;
      // Replacements arrive at once, as new identities with nothing stored.
      for (const m of gone) members.push(await (m.kind === 'tab' ? tab() : node()));
    }
    await sleep(Math.max(0, end - performance.now()));
    churning = false;
    await reader;

    // After the churn: every file until it reads right, for at most settleS.
    const pending = new Set(stored);
    const settleEnd = performance.now() + o.settleS * 1000;
    let settleMs = 0;
    for (;;) {
      for (const f of [...pending]) if ((await readSha(cloud, f.path)).sha === f.sha) pending.delete(f);
      if (pending.size === 0 || performance.now() > settleEnd) break;
      await sleep(5_000);
    }
    settleMs = Math.round(o.settleS * 1000 - Math.max(0, settleEnd - performance.now()));
    // The chunks of a lost file, read one by one: those that no read can find have no live copy.
    let chunksWithoutCopy = 0;
    const lost: string[] = [];
    for (const f of pending) {
      lost.push(f.path);
      for (let start = 0; start < f.size; start += DEFAULT_CHUNK_BYTES) {
        const r = await readSha(cloud, f.path, { start, end: Math.min(f.size, start + DEFAULT_CHUNK_BYTES) - 1 });
        if (r.sha === undefined) chunksWithoutCopy++;
      }
    }
    const chunks = stored.reduce((n, f) => n + Math.ceil(f.size / DEFAULT_CHUNK_BYTES), 0);
    const total = reads.ok + reads.failed + reads.wrong;
    return {
      files: stored.length,
      readsOk: reads.ok,
      readsFailed: reads.failed,
      readsWrong: reads.wrong,
      readsOkShare: total === 0 ? 1 : Math.round((reads.ok / total) * 1000) / 1000,
      filesLostAfter: pending.size,
      chunksWithoutCopy,
      departures,
      chunks,
      writesFailed,
      consistentAtStart,
      settleMs,
      ...(lost.length > 0 ? { lost } : {}),
      ...(reads.firstFailure ? { firstReadFailure: reads.firstFailure } : {}),
      tabs: o.tabs,
      peers: o.peers,
      minutes: o.minutes,
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await Promise.allSettled(members.map((m) => m.peer.stop()));
    await browser?.close();
    await server?.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}
