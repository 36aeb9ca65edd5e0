// Proves the REST gateway over a LocalFileSystem: directories, streamed 20 MB objects, paged listings, Range, ETag/304, replicas, auth refusals, path validation, 501 jobs, reports, nodes and the OpenAPI document.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './test-util/gateway.js';

let gw: TestGateway;
beforeAll(async () => { gw = await startTestGateway({ maxObjectBytes: 64 * 1024 * 1024 }); });
afterAll(async () => { await gw.close(); });

function req(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? gw.tokens.alice : init.token;
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(gw.url + path, { ...init, headers, ...(init.body ? { duplex: 'half' } : {}) } as RequestInit);
}

const dirType = { 'content-type': 'application/json; type=directory' };

/** A deterministic 20 MB body sent as a stream of 1 MiB chunks, with its sha256. */
function bigBody(totalBytes: number): { stream: ReadableStream<Uint8Array>; sha256: string } {
  const hash = createHash('sha256');
  const chunks: Uint8Array[] = [];
  for (let off = 0, i = 0; off < totalBytes; off += 1 << 20, i++) {
    const c = new Uint8Array(Math.min(1 << 20, totalBytes - off));
    for (let j = 0; j < c.length; j++) c[j] = (j * 31 + i * 7) & 0xff;
    hash.update(c);
    chunks.push(c);
  }
  let k = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) { if (k < chunks.length) ctrl.enqueue(chunks[k++] as Uint8Array); else ctrl.close(); },
  });
  return { stream, sha256: hash.digest('hex') };
}

/** fetch normalizes `..` and `.` away, so bad paths are sent byte for byte with node:http. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(gw.url + '/', { path, headers: { authorization: `Bearer ${gw.tokens.alice}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

async function sha256Of(res: Response): Promise<string> {
  const hash = createHash('sha256');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  return hash.digest('hex');
}

describe('directories', () => {
  it('creates, lists as JSON lines, refuses to delete non-empty, deletes', async () => {
    expect((await req('/alice/home/docs', { method: 'PUT', headers: dirType })).status).toBe(204);
    expect((await req('/alice/home/docs/', { method: 'PUT', headers: dirType })).status).toBe(204);
    expect((await req('/alice/home/a/b/c', { method: 'PUT', headers: dirType })).status).toBe(404);
    expect((await req('/alice/home/a/b/c?parents=true', { method: 'PUT', headers: dirType })).status).toBe(204);
    expect((await req('/alice/home/docs/n.txt', { method: 'PUT', body: 'hello' })).status).toBe(204);
    const list = await req('/alice/home/docs/');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/application\/x-json-stream; type=directory/);
    const lines = (await list.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ name: 'n.txt', type: 'object', size: 5, replicas: 3 })]);
    expect(typeof lines[0].etag).toBe('string');
    expect(new Date(lines[0].mtime).toISOString()).toBe(lines[0].mtime);
    const del = await req('/alice/home/docs', { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect(await del.json()).toMatchObject({ code: 'DirectoryNotEmpty' });
    expect((await req('/alice/home/docs/n.txt', { method: 'DELETE' })).status).toBe(204);
    expect((await req('/alice/home/docs', { method: 'DELETE' })).status).toBe(204);
    expect((await req('/alice/home/docs')).status).toBe(404);
    expect((await req('/alice/home', { method: 'DELETE' })).status).toBe(400);
  });

  it('pages a listing with limit and marker', async () => {
    await req('/alice/home/many', { method: 'PUT', headers: dirType });
    for (let i = 0; i < 7; i++) await req(`/alice/home/many/f${i}`, { method: 'PUT', body: String(i) });
    const names: string[] = [];
    let marker: string | null = null;
    let pages = 0;
    do {
      const res: Response = await req(`/alice/home/many?limit=3${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`);
      const page = (await res.text()).trim().split('\n').map((l) => JSON.parse(l).name as string);
      names.push(...page);
      marker = res.headers.get('next-marker');
      pages++;
    } while (marker);
    expect(pages).toBe(3);
    expect(names).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    expect((await req('/alice/home/many?limit=5000')).status).toBe(400);
  });
});

describe('objects', () => {
  it('streams a 20 MB object in and out with the same sha256', async () => {
    const { stream, sha256 } = bigBody(20 * 1000 * 1000);
    const put = await req('/alice/home/big.bin', { method: 'PUT', body: stream, headers: { replicas: '2' } });
    expect(put.status).toBe(204);
    expect(put.headers.get('etag')).toBe(`"${sha256}"`);
    expect(put.headers.get('replicas')).toBe('2');
    const get = await req('/alice/home/big.bin');
    expect(get.status).toBe(200);
    expect(get.headers.get('content-length')).toBe(String(20 * 1000 * 1000));
    expect(await sha256Of(get)).toBe(sha256);
    const head = await req('/alice/home/big.bin', { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(20 * 1000 * 1000));
    expect(head.headers.get('replicas')).toBe('2');
  });

  it('serves ranges (206), refuses unsatisfiable ones (416) and answers 304 to a matching etag', async () => {
    await req('/alice/home/abc.txt', { method: 'PUT', body: 'abcdefghij', headers: { 'content-type': 'text/plain' } });
    const part = await req('/alice/home/abc.txt', { headers: { range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await part.text()).toBe('cde');
    expect(await (await req('/alice/home/abc.txt', { headers: { range: 'bytes=-3' } })).text()).toBe('hij');
    expect(await (await req('/alice/home/abc.txt', { headers: { range: 'bytes=7-' } })).text()).toBe('hij');
    const bad = await req('/alice/home/abc.txt', { headers: { range: 'bytes=50-60' } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */10');
    const full = await req('/alice/home/abc.txt');
    expect(full.headers.get('content-type')).toBe('text/plain');
    const etag = full.headers.get('etag') as string;
    expect((await req('/alice/home/abc.txt', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await req('/alice/home/abc.txt', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    const create = await req('/alice/home/abc.txt', { method: 'PUT', body: 'x', headers: { 'if-none-match': '*' } });
    expect(create.status).toBe(412);
  });

  it('checks replicas, Content-Length and parents', async () => {
    for (const d of ['0', '7', 'three', '2.5']) {
      const res = await req('/alice/home/d.txt', { method: 'PUT', body: 'x', headers: { replicas: d } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/replicas/) });
    }
    // The header's earlier name is refused, not ignored: the object would get fewer copies than asked.
    const old = await req('/alice/home/d.txt', { method: 'PUT', body: 'x', headers: { durability: '6' } });
    expect(old.status).toBe(400);
    expect(await old.json()).toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/replicas/) });
    expect((await req('/alice/home/nope/d.txt', { method: 'PUT', body: 'x' })).status).toBe(404);
    expect((await req('/alice/home/empty', { method: 'PUT' })).status).toBe(204);
    expect((await req('/alice/home/empty')).headers.get('content-length')).toBe('0');
  });
});

describe('refusals', () => {
  it('answers 401 without a token or with an unknown one, 403 for another home', async () => {
    const none = await req('/alice/home/', { token: null });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'Unauthorized' });
    expect((await req('/alice/home/', { token: 'alice.forged' })).status).toBe(401);
    expect((await req('/bob/home/', { token: gw.tokens.alice })).status).toBe(403);
    expect((await req('/bob/home/x', { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await req('/bob/reports/')).status).toBe(403);
    expect((await req('/bob/home/', { token: gw.tokens.bob, method: 'PUT', headers: dirType })).status).toBe(204);
  });

  it('answers 400 to bad paths and 404 to missing names', async () => {
    const bad = ['/alice/home/a/../b', '/alice/home/a/%2e%2e/b', '/alice/home/a%2F..%2F..%2Fbob', '/alice/home/a//b',
      '/alice/home/%00x', `/alice/home/${'x'.repeat(300)}`, '/alice/home/./a', `/alice/home/${'a/'.repeat(600)}`];
    for (const p of bad) {
      const res = await rawGet(p);
      expect(res.status, p).toBe(400);
      expect(JSON.parse(res.body).code).toBe('InvalidArgument');
    }
    const missing = await req('/alice/home/missing.txt');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'ResourceNotFound', message: expect.any(String) });
  });

  it('answers 501 NotImplemented on the jobs routes of a gateway without a peer on the ring', async () => {
    for (const [method, path] of [['GET', '/alice/jobs'], ['POST', '/alice/jobs'], ['GET', '/alice/jobs/j1'], ['DELETE', '/alice/jobs/j1'], ['GET', '/alice/jobs-reports/j1']]) {
      const res = await req(path as string, { method: method as string });
      expect(res.status).toBe(501);
      expect(await res.json()).toMatchObject({ code: 'NotImplemented', message: expect.stringMatching(/jobs service/) });
    }
  });
});

describe('reports, nodes and the OpenAPI document', () => {
  it('reports usage and an access log', async () => {
    const res = await req('/alice/reports/');
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.user).toBe('alice');
    expect(report.usage.bytesStored).toBeGreaterThan(20 * 1000 * 1000);
    expect(report.usage.bytesWithReplicas).toBeGreaterThan(40 * 1000 * 1000);
    expect(report.requests.requests).toBeGreaterThan(10);
    expect(report.accessLog[0]).toMatchObject({ method: expect.any(String), status: expect.any(Number) });
  });

  it('lists the node registry page by page', async () => {
    for (const c of 'abc') gw.nodes.upsert({ id: c.repeat(40), rings: ['base'], joinedMs: 1, lastSeenMs: 2, meta: { cpu: 4 } });
    const first = await req('/nodes/?limit=2');
    expect(first.status).toBe(200);
    expect(first.headers.get('result-set-size')).toBe('3');
    const ids = (await first.text()).trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
    const rest = await req(`/nodes/?limit=2&marker=${first.headers.get('next-marker')}`);
    expect((await rest.text()).trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['c'.repeat(40)]);
    expect((await req('/nodes/', { token: null })).status).toBe(401);
  });

  it('serves /openapi.json without a token, describing every route', async () => {
    const res = await req('/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/{user}/home/{path}', '/{user}/jobs', '/{user}/reports/', '/nodes/']));
    expect(doc.paths['/{user}/home/{path}'].put.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['user', 'path', 'replicas']));
  });
});
