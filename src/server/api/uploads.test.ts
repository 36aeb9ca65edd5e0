// Proves the gateway's upload bounds on both backends (a directory on disk, and real storage services on an idealised ring): thirty PUTs that announce 900 MB, send 1 MiB and stall are all closed, each either with 408 once its body stopped arriving for the deadline or at once with 429 while the user had four uploads in flight (never more reach storage); nothing of them is committed (the old version reads back intact), and the slots they held are free again for a real upload.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { MemoryStore } from '../../env/memory-store.js';
import { RealClock } from '../../runtime/clock.js';
import { CryptoRng } from '../../runtime/rng.js';
import { StorageService } from '../../services/storage/service.js';
import { OracleNetwork, OracleRing } from '../../sim/oracle-ring.js';
import type { FileSystem } from './files.js';
import { LocalFileSystem } from './local-fs.js';
import { RingFileSystem } from './ring-fs.js';
import { startTestGateway, type TestGateway } from './test-util/gateway.js';

const STALLED = 30;
const PER_USER = 4;
/** Short, so the test does not wait the default 30 s. */
const IDLE_MS = 300;
const ANNOUNCED_BYTES = 900 * 1000 * 1000;
const SENT_BYTES = 1024 * 1024;

/** Six in-process storage services on an oracle ring with real timers: storage is real, routing is not under test. */
function ringFileSystem(): { fs: FileSystem; stop(): void } {
  const net = new OracleNetwork(1, 1000);
  const clock = new RealClock({ unref: true });
  const services = Array.from({ length: 6 }, () => {
    const ring = new OracleRing(net, randomBytes(20).toString('hex') as PeerId, clock);
    net.add(ring);
    const svc = new StorageService(ring, { clock, rng: new CryptoRng(), net: null as never, store: new MemoryStore() }, { quotaBytes: 1 << 30, repair: false });
    svc.start();
    return svc;
  });
  return { fs: new RingFileSystem(() => services[0]!.client), stop: () => services.forEach((s) => s.stop()) };
}

/** `fs` with a count of the puts in flight and the most there ever were. */
function counted(fs: FileSystem): { fs: FileSystem; most: () => number } {
  let inFlight = 0;
  let most = 0;
  const put: FileSystem['put'] = async (...args) => {
    most = Math.max(most, ++inFlight);
    try {
      return await fs.put(...args);
    } finally {
      inFlight--;
    }
  };
  const wrapped = new Proxy(fs, {
    get: (target, key) => {
      if (key === 'put') return put;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { fs: wrapped, most: () => most };
}

/** A raw PUT that announces `ANNOUNCED_BYTES`, sends `SENT_BYTES` and then nothing: resolves with what came back once the socket closes. */
function stalledPut(gw: TestGateway, path: string): Promise<string> {
  const { port } = new URL(gw.url);
  const socket = connect(Number(port), '127.0.0.1');
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  // A refused upload's connection is cut while this side still writes: that is the expected end.
  socket.on('error', () => undefined);
  socket.write(`PUT ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${gw.tokens.alice}\r\ncontent-type: application/octet-stream\r\ncontent-length: ${ANNOUNCED_BYTES}\r\n\r\n`);
  socket.write(Buffer.alloc(SENT_BYTES, 7));
  return new Promise((resolve) => socket.once('close', () => resolve(answer)));
}

/** One request on a connection of its own (no keep-alive socket left to hold up the gateway's close). */
function request(gw: TestGateway, method: 'PUT' | 'GET', body?: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gw.url}/alice/home/big.bin`, { method, agent: false, headers: { authorization: `Bearer ${gw.tokens.alice}` } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const backends: [string, () => Promise<{ fs: FileSystem; stop(): void }>][] = [
  ['a directory on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cumulus-uploads-'));
    return { fs: await LocalFileSystem.open(join(dir, 'files')), stop: () => rmSync(dir, { recursive: true, force: true }) };
  }],
  ['storage services on a ring', async () => ringFileSystem()],
];

describe.each(backends)('stalled uploads over %s', (_name, backend) => {
  let gw: TestGateway;
  let stop = () => undefined as void;
  let most = () => 0;
  beforeAll(async () => {
    const b = await backend();
    stop = b.stop;
    const c = counted(b.fs);
    most = c.most;
    gw = await startTestGateway({ fs: c.fs, uploadIdleMs: IDLE_MS, uploadsPerUser: PER_USER });
  });
  afterAll(async () => {
    await gw.close();
    stop();
  });

  const put = async (body: string) => (await request(gw, 'PUT', body)).status;
  const read = async () => (await request(gw, 'GET')).body;

  it('closes every one, commits none, and frees the slots', async () => {
    expect(await put('the old version')).toBe(204);
    const answers = await Promise.all(Array.from({ length: STALLED }, () => stalledPut(gw, '/alice/home/big.bin')));
    const statusOf = (a: string) => /^HTTP\/1\.1 (\d+)/.exec(a)?.[1];
    const timedOut = answers.filter((a) => statusOf(a) === '408');
    const refused = answers.filter((a) => statusOf(a) === '429');
    expect(timedOut.length).toBeGreaterThanOrEqual(PER_USER);
    expect(timedOut.length + refused.length).toBe(STALLED);
    expect(most()).toBe(PER_USER);
    expect(timedOut[0]).toMatch(/"code":"RequestTimeout".*stopped arriving/);
    expect(refused[0]).toMatch(/retry-after: 1/i);
    expect(refused[0]).toMatch(/"code":"TooManyRequests".*at most 4 at once/);
    expect(await read()).toBe('the old version');
    expect(await put('the new version')).toBe(204);
    expect(await read()).toBe('the new version');
  });
});
