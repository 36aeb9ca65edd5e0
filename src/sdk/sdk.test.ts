// Proves the SDK against a real gateway: put from bytes, web streams and async iterables, get with ranges and etags, paged ls, mkdir -p, recursive rm, info, nodes, status and typed errors.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../server/api/test-util/gateway.js';
import { Cumulus, ConflictError, ForbiddenError, NetworkError, NotFoundError, UnauthorizedError } from '../index.js';

let gw: TestGateway;
let cloud: Cumulus;
beforeAll(async () => {
  gw = await startTestGateway();
  cloud = new Cumulus({ url: gw.url, token: gw.tokens.alice });
});
afterAll(async () => { await gw.close(); });

async function text(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('Cumulus SDK', () => {
  it('puts bytes, streams and async iterables and reads them back', async () => {
    expect(cloud.user).toBe('alice');
    const put = await cloud.put('~/a.txt', new TextEncoder().encode('hello'), { replicas: 2 });
    expect(put).toMatchObject({ path: '/alice/home/a.txt', replicas: 2 });
    expect(put.etag).toBe(createHash('sha256').update('hello').digest('hex'));
    async function* parts() { for (let i = 0; i < 100; i++) yield new TextEncoder().encode(`line ${i}\n`); }
    await cloud.put('b.txt', parts());
    await cloud.put('/alice/home/c.txt', new Response('from a web stream').body as ReadableStream<Uint8Array>);
    const b = await cloud.get('~/b.txt');
    expect((await text(b.body)).split('\n')[99]).toBe('line 99');
    expect(await text((await cloud.get('c.txt')).body)).toBe('from a web stream');
    const part = await cloud.get('a.txt', { range: { start: 1, end: 3 } });
    expect(part.size).toBe(3);
    expect(part.totalSize).toBe(5);
    expect(await text(part.body)).toBe('ell');
    const again = await cloud.get('a.txt', { ifNoneMatch: put.etag as string });
    expect(again.notModified).toBe(true);
  });

  it('makes directories with parents, lists every page and removes recursively', async () => {
    await cloud.mkdir('~/tree/x/y', { parents: true });
    for (let i = 0; i < 5; i++) await cloud.put(`~/tree/x/f${i}`, new Uint8Array([i]));
    await cloud.put('~/tree/x/y/deep', new Uint8Array(3));
    const names: string[] = [];
    for await (const e of cloud.ls('~/tree/x', { limit: 2 })) names.push(e.name);
    expect(names).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'y']);
    const info = await cloud.info('~/tree/x/y/deep');
    expect(info).toMatchObject({ type: 'object', size: 3, replicas: 3, path: '/alice/home/tree/x/y/deep' });
    expect((await cloud.info('~/tree')).type).toBe('directory');
    await expect(cloud.rm('~/tree')).rejects.toBeInstanceOf(ConflictError);
    await cloud.rm('~/tree', { recursive: true });
    await expect(cloud.info('~/tree')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reports nodes and status', async () => {
    gw.nodes.upsert({ id: 'e'.repeat(40), rings: ['base', 'asc'], joinedMs: 1, lastSeenMs: 2, meta: { browser: true } });
    expect((await cloud.nodes()).map((n) => n.id)).toContain('e'.repeat(40));
    const status = await cloud.status();
    expect(status).toMatchObject({ user: 'alice', nodes: 1 });
    expect(status.report.requests.requests).toBeGreaterThan(0);
  });

  it('throws typed errors carrying the server code', async () => {
    const err = await cloud.get('~/missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'ResourceNotFound' });
    await expect(cloud.get('/bob/home/x')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(new Cumulus({ url: gw.url, token: 'alice.wrong' }).ls('~').next()).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(new Cumulus({ url: 'http://127.0.0.1:1', token: 'alice.x' }).info('~')).rejects.toBeInstanceOf(NetworkError);
  });
});
