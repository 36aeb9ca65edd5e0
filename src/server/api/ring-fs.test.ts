// Proves the gateway's ring-backed FileSystem keeps the LocalFileSystem's behaviours (streams with sha256 etags, ranges, paged listings, replicas, content types, clear errors that keep the old version) over real storage services, and that the REST gateway runs on it unchanged.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CumulusError } from '../../core/errors.js';
import type { PeerId } from '../../core/id.js';
import { MemoryStore } from '../../env/memory-store.js';
import { RealClock } from '../../runtime/clock.js';
import { CryptoRng } from '../../runtime/rng.js';
import { StorageService } from '../../services/storage/service.js';
import { OracleNetwork, OracleRing } from '../../sim/oracle-ring.js';
import type { StorageClient } from '../../services/storage/client.js';
import { toErrorAnswer } from './errors.js';
import { RingFileSystem } from './ring-fs.js';
import { startTestGateway, type TestGateway } from './test-util/gateway.js';

const PEERS = 6;
let services: StorageService[] = [];
let fs: RingFileSystem;

beforeAll(() => {
  // In-process peers on an idealised ring with real timers (1 ms latency): storage is real, routing is not under test here.
  const net = new OracleNetwork(1, 1000);
  const clock = new RealClock({ unref: true });
  services = Array.from({ length: PEERS }, () => {
    const ring = new OracleRing(net, randomBytes(20).toString('hex') as PeerId, clock);
    net.add(ring);
    const svc = new StorageService(ring, { clock, rng: new CryptoRng(), net: null as never, store: new MemoryStore() }, { quotaBytes: 1 << 30, repair: false });
    svc.start();
    return svc;
  });
  fs = new RingFileSystem(() => services[0]!.client);
});
afterAll(() => services.forEach((s) => s.stop()));

/** Bytes as a stream of uneven pieces, so chunk boundaries never line up with them. */
async function* pieces(data: Uint8Array, size = 100_003): AsyncIterable<Uint8Array> {
  for (let off = 0; off < data.length; off += size) yield data.subarray(off, off + size);
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of body) parts.push(p);
  return Buffer.concat(parts);
}

async function failure(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(CumulusError);
  const a = toErrorAnswer(e);
  return { status: a.status, code: a.body.code };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('RingFileSystem', () => {
  it('makes directories with parents, stores and reads a streamed file with its sha256 as etag', async () => {
    await fs.mkdir('/alice/home/docs', { parents: true });
    expect((await fs.stat('/alice/home')).type).toBe('directory');
    const data = randomBytes(3 * 1024 * 1024 + 77);
    const st = await fs.put('/alice/home/docs/a.bin', pieces(data), { replicas: 2, sizeBytes: data.length, contentType: 'application/x-test' });
    expect(st).toMatchObject({ type: 'object', sizeBytes: data.length, etag: sha256(data), replicas: 2, contentType: 'application/x-test' });
    const { stat, body } = await fs.get('/alice/home/docs/a.bin');
    expect(stat).toMatchObject({ etag: sha256(data), contentType: 'application/x-test', replicas: 2 });
    expect(sha256(await collect(body))).toBe(sha256(data));
    // replicas are enacted: every chunk has (at least) that many holders.
    const raw = await services[3]!.client.stat('/alice/home/docs/a.bin');
    expect(raw.kind === 'file' && raw.chunks.every((c) => new Set(c.holders).size >= 2)).toBe(true);
  });

  it('reads byte ranges across chunk boundaries and refuses ranges outside the object', async () => {
    const data = randomBytes(700_000);
    await fs.put('/alice/home/r.bin', pieces(data), { replicas: 1 });
    for (const [start, end] of [[0, 0], [262_140, 262_150], [100, 699_999], [699_999, 699_999]] as const) {
      const { body } = await fs.get('/alice/home/r.bin', { start, end });
      expect((await collect(body)).equals(data.subarray(start, end + 1))).toBe(true);
    }
    expect((await failure(fs.get('/alice/home/r.bin', { start: 10, end: 700_000 }))).code).toBe('InvalidArgument');
  });

  it('pages a listing with limit and marker, each entry with its stat', async () => {
    await fs.mkdir('/alice/home/many', { parents: false });
    const names = ['e', 'a', 'd', 'b', 'c'];
    for (const n of names) await fs.put(`/alice/home/many/${n}`, pieces(Buffer.from(n)), { replicas: 1 });
    await fs.mkdir('/alice/home/many/sub', { parents: false });
    const first = await fs.list('/alice/home/many', { limit: 4 });
    expect(first.entries.map((e) => e.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(first.entries[0]).toMatchObject({ type: 'object', sizeBytes: 1, etag: sha256(Buffer.from('a')) });
    const rest = await fs.list('/alice/home/many', { limit: 4, marker: first.next! });
    expect(rest.entries.map((e) => [e.name, e.type])).toEqual([['e', 'object'], ['sub', 'directory']]);
    expect(rest.next).toBeUndefined();
  });

  it('gives the gateway its errors and keeps the old version when a put fails', async () => {
    const old = Buffer.from('old content');
    await fs.put('/alice/home/keep.txt', pieces(old), { replicas: 2 });
    // A body shorter than announced, and one over the limit: refused before storage commits.
    expect(await failure(fs.put('/alice/home/keep.txt', pieces(randomBytes(1000)), { replicas: 2, sizeBytes: 2000 }))).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await failure(fs.put('/alice/home/keep.txt', pieces(randomBytes(1000)), { replicas: 2, maxBytes: 500 }))).toEqual({ status: 413, code: 'RequestTooLarge' });
    expect((await collect((await fs.get('/alice/home/keep.txt')).body)).equals(old)).toBe(true);
    expect(await failure(fs.put('/alice/home/nope/x', pieces(old), { replicas: 1 }))).toEqual({ status: 404, code: 'ResourceNotFound' });
    expect(await failure(fs.put('/alice/home/keep.txt/x', pieces(old), { replicas: 1 }))).toEqual({ status: 409, code: 'ParentNotDirectory' });
    expect(await failure(fs.put('/alice/home/docs', pieces(old), { replicas: 1 }))).toEqual({ status: 409, code: 'IsADirectory' });
    expect(await failure(fs.mkdir('/alice/home/keep.txt', { parents: false }))).toEqual({ status: 409, code: 'AlreadyExists' });
    expect(await failure(fs.rm('/alice/home/docs'))).toEqual({ status: 409, code: 'DirectoryNotEmpty' });
    expect(await failure(fs.list('/alice/home/keep.txt', { limit: 10 }))).toEqual({ status: 400, code: 'NotADirectory' });
    expect(await failure(fs.stat('/alice/home/missing'))).toEqual({ status: 404, code: 'ResourceNotFound' });
    await fs.rm('/alice/home/keep.txt');
    expect(await failure(fs.stat('/alice/home/keep.txt'))).toEqual({ status: 404, code: 'ResourceNotFound' });
  });

  it('answers 503 while the gateway has no peer on the ring', async () => {
    const none = new RingFileSystem((): StorageClient | null => null);
    expect(await failure(none.stat('/alice/home'))).toEqual({ status: 503, code: 'ServiceUnavailable' });
  });

  it('sums usage under a directory, counting replicas', async () => {
    await fs.mkdir('/carol/home', { parents: true });
    await fs.put('/carol/home/a', pieces(randomBytes(1000)), { replicas: 3 });
    await fs.mkdir('/carol/home/d', { parents: false });
    await fs.put('/carol/home/d/b', pieces(randomBytes(500)), { replicas: 1 });
    expect(await fs.usage('/carol/home')).toEqual({ bytesStored: 1500, bytesWithReplicas: 3500, objects: 2, directories: 1 });
  });
});

describe('the REST gateway over RingFileSystem', () => {
  let gw: TestGateway;
  beforeAll(async () => { gw = await startTestGateway({ fs }); });
  afterAll(async () => { await gw.close(); });
  const req = (path: string, init: RequestInit = {}) =>
    fetch(gw.url + path, { ...init, headers: { authorization: `Bearer ${gw.tokens.bob}`, ...init.headers }, ...(init.body ? { duplex: 'half' } : {}) } as RequestInit);

  it('streams an object in and out with its sha256 as ETag, serves ranges and 304', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const put = await req('/bob/home/big.bin', { method: 'PUT', body: data, headers: { replicas: '2', 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(204);
    expect(put.headers.get('etag')).toContain(sha256(data));
    const got = await req('/bob/home/big.bin');
    expect(got.status).toBe(200);
    expect(got.headers.get('replicas')).toBe('2');
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(data));
    const part = await req('/bob/home/big.bin', { headers: { range: 'bytes=262000-262299' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(262000, 262300))).toBe(true);
    const again = await req('/bob/home/big.bin', { headers: { 'if-none-match': got.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const list = await req('/bob/home/');
    expect((await list.text()).trim().split('\n').map((l) => JSON.parse(l).name)).toEqual(['big.bin']);
    expect((await req('/bob/home/big.bin', { method: 'DELETE' })).status).toBe(204);
    expect((await req('/bob/home/big.bin')).status).toBe(404);
  });
});
