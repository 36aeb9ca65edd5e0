// `cumulus bench api`: what the REST gateway costs. A local cloud (server with its peer and the
// gateway, plus volunteer processes) takes a file through PUT, then the same file is read in one
// run, alternately: through the gateway (GET over HTTP by curl, streamed) and through the storage
// service's own client in the server's peer (what the gateway reads from), `rounds` times each.
// ratio = getMBps / storageGetMBps, from the median times.
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloudServer, type CloudServer } from '../server/cloud.js';
import { quantile, round } from './figures.js';
import { LOCAL_RING_CONVERGE_MS, localStatuses, waitForConsistentRing, withTimeout } from '../host/local-ring.js';
import type { OptionValues } from '../core/options.js';
import { REPLICAS } from '../services/storage/constants.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { spawnVolunteer, type VolunteerProcess } from '../host/volunteer-process.js';

export const API_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 3, min: 0, unit: 'processes', description: 'volunteer processes besides the server\'s peer' },
  mb: { type: 'integer', default: 64, min: 1, unit: 'MB', description: 'size of the object, in 10^6 bytes' },
  rounds: { type: 'integer', default: 5, min: 1, description: 'timed reads of each kind (after one untimed read of each), gateway and storage alternated' },
  // Diagnostic: with --peers 0 and 1, the server's peer holds every chunk (the CPU-bound case).
  replicas: {
    type: 'integer', min: REPLICAS.min, max: REPLICAS.max, unit: REPLICAS.unit, aliases: ['durability'],
    description: `the PUT's replicas header (absent: the gateway's default, ${REPLICAS.default}); with --peers 0 and 1 the server's peer holds every chunk`,
  },
  /*
   * Diagnostic: start each curl from the server's own process, as the bench did before. Forking
   * makes the server's memory copy-on-write, so the GET that follows pays a page fault for every
   * page the server writes (about 9,500 per 64 MB GET here); a real gateway forks no clients.
   */
  lendStorage: { type: 'flag', description: 'the server\'s peer stands on the ring and holds chunks (implied by --peers 0); by default it holds no data, as `cumulus up` runs it' },
  forkClient: { type: 'flag', description: 'start each curl from the server\'s process (page faults land on the server; for comparison)' },
} as const;

export type ApiBenchOptions = OptionValues<typeof API_BENCH_OPTIONS>;

interface Read {
  bytes: number;
  ms: number;
  /** For curl: the time to start the process, outside its own time_total. */
  startMs: number;
}

interface Sample extends Read {
  cpuMs: number;
  /** CPU of the server's main thread alone (NaN where /proc is missing). */
  mainMs: number;
  chunks: number;
  localChunks: number;
}

const mbps = (bytes: number, ms: number) => round(bytes / 1e6 / (ms / 1000));

/** CPU time of this process's main thread (the event loop: gateway and storage both), in ms; Linux only. */
function mainThreadCpuMs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

const CURL_ARGS = ['-s', '-f', '-o', '/dev/null', '-w', '%{size_download} %{time_total}'];

/**
 * Runs curl on request from a small shell started once, so that the server's process is never
 * forked while a GET is timed (see API_BENCH_OPTIONS.forkClient). One URL per line in, one
 * `size time_total` line out per GET (whatever curl wrote, empty if nothing).
 */
export class CurlLauncher {
  private readonly proc: ChildProcessByStdio<Writable, Readable, null>;
  private readonly lines: AsyncIterator<string>;

  /** With a token, each GET carries it as a bearer token; without, URLs carry their own (presigned). */
  constructor(token?: string) {
    const args = CURL_ARGS.map((a) => `'${a}'`).join(' ');
    const auth = token === undefined ? '' : ' -H "authorization: Bearer $CUMULUS_BENCH_TOKEN"';
    const script = `while read -r u; do r=$(curl ${args}${auth} "$u"); echo "$r"; done`;
    this.proc = spawn('sh', ['-c', script], { env: { ...process.env, CUMULUS_BENCH_TOKEN: token ?? '' }, stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  /** One GET of `url`: bytes received and seconds, as curl's `size time_total`. */
  async get(url: string): Promise<string> {
    this.proc.stdin.write(url + '\n');
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the curl launcher ended');
    return value;
  }

  stop(): void {
    this.proc.stdin.end();
    if (this.proc.exitCode === null && this.proc.pid !== undefined) setTimeout(() => this.proc.exitCode === null && this.proc.kill(), 2000).unref();
  }
}

const PIECE_BYTES = 1 << 20;

/** A body of `bytes` made as it is read, a megabyte at a time (an upload no disk slows down). */
export function generatedBody(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (sent >= bytes) return ctrl.close();
      const n = Math.min(PIECE_BYTES, bytes - sent);
      const piece = new Uint8Array(n);
      for (let i = 0; i < n; i += 4096) piece[i] = (sent + i) & 0xff;
      sent += n;
      ctrl.enqueue(piece);
    },
  });
}
const execFileP = promisify(execFile);

/**
 * Start `peers` volunteers beside `cloud` (added to `into`, which the caller stops) and wait until
 * the ring agrees on who owns what: while a joining volunteer still moves keys, the home made by a
 * first request may be looked for at another owner (404).
 */
export async function volunteersOnRing(cloud: CloudServer, dir: string, peers: number, into: VolunteerProcess[]): Promise<void> {
  for (let i = 0; i < peers; i++) into.push(await spawnVolunteer({ serverUrl: cloud.server.url, dataDir: join(dir, `v${i}`) }));
  // A server peer attached beside the ring (the default) attaches once the first volunteer has made one.
  const own = await withTimeout(cloud.peerReady(), LOCAL_RING_CONVERGE_MS, 'the server\'s peer did not reach the ring');
  if (!own) throw new Error('the cloud runs no peer of its own');
  if (!(await waitForConsistentRing(localStatuses(own, into)))) {
    throw new Error(`the ring of the server and ${peers} volunteers was not consistent within ${LOCAL_RING_CONVERGE_MS} ms`);
  }
}

export async function runApiBench(o: ApiBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-api-'));
  const cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: dir, peerOptions: { lendStorage: o.lendStorage === true || o.peers === 0 } });
  const volunteers: VolunteerProcess[] = [];
  let launcher: CurlLauncher | undefined;
  try {
    await volunteersOnRing(cloud, dir, o.peers, volunteers);
    const token = await cloud.users.add('bench', 0);
    const auth = { authorization: `Bearer ${token}` };
    const url = `${cloud.server.url}/bench/home/blob.bin`;
    const bytes = o.mb * 1e6;
    const body = generatedBody(bytes);
    const tPut = performance.now();
    const replicas = o.replicas === undefined ? {} : { replicas: String(o.replicas) };
    const put = await fetch(url, { method: 'PUT', headers: { ...auth, ...replicas, 'content-length': String(bytes) }, body, duplex: 'half' } as RequestInit);
    if (!put.ok) throw new Error(`PUT answered ${put.status}: ${await put.text()}`);
    const putMs = performance.now() - tPut;

    const client = cloud.peer?.peer.storage?.client;
    if (!client) throw new Error('the server peer runs no storage');
    // The gateway's client is another process, as a developer's would be (curl): a client in this
    // process would take its CPU from the gateway it measures. The GET's time is curl's own
    // time_total (connect, request, the whole body), so starting the curl process, which is no
    // part of the gateway, is left out; it is reported apart as clientStartMs. curl is started by
    // a launcher process, not by this one (which is the server): see API_BENCH_OPTIONS.forkClient.
    // (No `sh` on Windows: curl is then started from here, as with --fork-client.)
    if (!o.forkClient && process.platform !== 'win32') launcher = new CurlLauncher(token);
    const curl = launcher;
    const viaGateway = async (): Promise<Read> => {
      const t = performance.now();
      const stdout = curl ? await curl.get(url) : (await execFileP('curl', [...CURL_ARGS, '-H', `authorization: Bearer ${token}`, url])).stdout;
      const wallMs = performance.now() - t;
      const [size, total] = stdout.trim().split(' ').map(Number);
      const ms = (total ?? NaN) * 1000;
      return { bytes: size ?? NaN, ms, startMs: wallMs - ms };
    };
    const viaStorage = async (): Promise<Read> => {
      const t = performance.now();
      let n = 0;
      for await (const c of await client.open('/bench/home/blob.bin')) n += c.length;
      return { bytes: n, ms: performance.now() - t, startMs: 0 };
    };
    const samples = { gateway: [] as Sample[], storage: [] as Sample[] };
    const read = async (who: 'gateway' | 'storage'): Promise<Sample> => {
      const before = { ...client.counters };
      const main0 = mainThreadCpuMs();
      const cpu0 = process.cpuUsage();
      const r = who === 'gateway' ? await viaGateway() : await viaStorage();
      const cpu = process.cpuUsage(cpu0);
      const main1 = mainThreadCpuMs();
      if (r.bytes !== bytes) throw new Error(`${who} read ${r.bytes} bytes of ${bytes}`);
      return {
        ...r, cpuMs: (cpu.user + cpu.system) / 1000, mainMs: main0 === undefined || main1 === undefined ? NaN : main1 - main0,
        chunks: client.counters.chunksRead - before.chunksRead, localChunks: client.counters.localChunks - before.localChunks,
      };
    };
    // One untimed read each first (JIT, the OS's caches, the old space the PUT left to collect),
    // then the two readers alternate so that neither is favoured by what the other warmed
    // (holders' recent-chunk caches): storage, gateway, gateway, storage, … Medians are reported.
    await read('storage');
    await read('gateway');
    for (let i = 0; i < o.rounds; i++) {
      for (const who of i % 2 === 0 ? (['storage', 'gateway'] as const) : (['gateway', 'storage'] as const)) samples[who].push(await read(who));
    }
    const med = (xs: Sample[], f: (x: Sample) => number) => quantile(xs.map(f), 0.5);
    const getMBps = mbps(bytes, med(samples.gateway, (x) => x.ms));
    const storageGetMBps = mbps(bytes, med(samples.storage, (x) => x.ms));
    const all = [...samples.gateway, ...samples.storage];
    return {
      putMBps: mbps(bytes, putMs), getMBps, storageGetMBps,
      ratio: round(getMBps / storageGetMBps),
      // CPU of the server process per read (the gateway's includes HTTP and the socket writes; with
      // --fork-client also spawning curl): less sensitive to other load on the machine than the times.
      serverCpuMsGateway: Math.round(med(samples.gateway, (x) => x.cpuMs)),
      serverCpuMsStorage: Math.round(med(samples.storage, (x) => x.cpuMs)),
      // The same for the server's main thread alone (the event loop, where both readers run).
      ...(samples.storage.some((x) => Number.isNaN(x.mainMs)) ? {} : {
        serverMainMsGateway: Math.round(med(samples.gateway, (x) => x.mainMs)),
        serverMainMsStorage: Math.round(med(samples.storage, (x) => x.mainMs)),
      }),
      clientStartMs: Math.round(med(samples.gateway, (x) => x.startMs)),
      // Share of the chunks the server's peer held itself (read with no network at all).
      localShare: round(all.reduce((a, x) => a + x.localChunks, 0) / Math.max(1, all.reduce((a, x) => a + x.chunks, 0))),
      rounds: o.rounds, peers: o.peers + 1, bytes, ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
      ...(o.forkClient ? { forkClient: true } : {}), wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    launcher?.stop();
    await Promise.allSettled(volunteers.map((v) => v.stop()));
    await cloud.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}
