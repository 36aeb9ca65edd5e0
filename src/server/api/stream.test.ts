// Proves how the gateway streams an object's body (home.ts sendBody) over a FileSystem whose bodies
// are generated: a slow client holds the gateway to a bounded number of chunks (never the whole
// object), a client that goes away stops the reading, a body that cannot start answers 503 JSON,
// one that fails midway cuts the connection short of its Content-Length, and the access log still
// records the GET. An upload refused after part of its body was read ends its connection.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CumulusError } from '../../core/errors.js';
import type { ByteRange, FileStat, FileSystem, ListPage, Stat } from './files.js';
import { startTestGateway, type TestGateway } from './test-util/gateway.js';

const CHUNK = 256 * 1024;
/** 1 GiB: far more than the gateway may ever hold, or the kernel's socket buffers absorb. */
const HUGE = 4096 * CHUNK;

interface Body {
  size: number;
  /** Throw instead of yielding chunk i (0 = before any byte). */
  failAt?: number;
}

/** Objects whose bytes are generated on demand, counting how many chunks the gateway pulled. */
class GeneratedFileSystem implements FileSystem {
  pulled = 0;
  finished = 0;
  constructor(private readonly bodies: Record<string, Body>) {}

  async stat(path: string): Promise<Stat> {
    const b = this.bodies[path];
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!b) return { name, path, type: 'directory', mtimeMs: 0, sizeBytes: 0 };
    const stat: FileStat = { name, path, type: 'object', mtimeMs: 0, sizeBytes: b.size, etag: `e-${name}`, replicas: 3 };
    return stat;
  }

  async get(path: string, range?: ByteRange): Promise<{ stat: FileStat; body: AsyncIterable<Uint8Array> }> {
    const stat = (await this.stat(path)) as FileStat;
    const b = this.bodies[path]!;
    const end = range ? range.end + 1 : b.size;
    const self = this;
    async function* body(): AsyncIterable<Uint8Array> {
      try {
        for (let off = range?.start ?? 0, i = 0; off < end; off += CHUNK, i++) {
          if (b.failAt === i) throw new CumulusError('PEER_GONE', 'no live, valid replica of a chunk');
          self.pulled++;
          yield new Uint8Array(Math.min(CHUNK, end - off)).fill(i & 0xff);
        }
      } finally {
        self.finished++;
      }
    }
    return { stat, body: body() };
  }

  async list(): Promise<ListPage> { return { entries: [] }; }
  async mkdir(path: string): Promise<Stat> { return this.stat(path); }
  /** Reads the first MiB of an upload, then refuses it (as storage does when a chunk finds no room). */
  async put(_path: string, body: AsyncIterable<Uint8Array>): Promise<FileStat> {
    let n = 0;
    for await (const piece of body) {
      n += piece.length;
      if (n >= 1 << 20) break;
    }
    throw new CumulusError('OVER_QUOTA', `refused after ${n} bytes`);
  }
  async rm(): Promise<void> {}
}

let gw: TestGateway;
const fs = new GeneratedFileSystem({
  '/alice/home/huge.bin': { size: HUGE },
  '/alice/home/small.bin': { size: 3 * CHUNK + 5 },
  '/alice/home/first.bin': { size: 4 * CHUNK, failAt: 0 },
  '/alice/home/middle.bin': { size: 8 * CHUNK, failAt: 3 },
});
beforeAll(async () => { gw = await startTestGateway({ fs, maxObjectBytes: HUGE }); });
afterAll(async () => { await gw.close(); });

function get(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(gw.url + path, { headers: { authorization: `Bearer ${gw.tokens.alice}` } }, resolve);
    r.on('error', reject);
    r.end();
  });
}

/** Wait until `value()` has not changed for `quietMs` (the gateway has stopped pulling). */
async function settled(value: () => number, quietMs = 300): Promise<number> {
  let last = value();
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = value();
    if (now === last) return now;
    last = now;
  }
}

describe('object bodies', () => {
  it('streams a whole object with its length, and logs the GET', async () => {
    const res = await get('/alice/home/small.bin');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(3 * CHUNK + 5));
    expect(res.headers.etag).toBe('"e-small.bin"');
    let n = 0;
    for await (const c of res) n += (c as Buffer).length;
    expect(n).toBe(3 * CHUNK + 5);
    const report = await (await fetch(`${gw.url}/alice/reports/`, { headers: { authorization: `Bearer ${gw.tokens.alice}` } })).json() as {
      accessLog: Array<{ method: string; path: string; status: number; bytesOut: number }>;
    };
    expect(report.accessLog).toContainEqual(expect.objectContaining({ method: 'GET', path: '/alice/home/small.bin', status: 200, bytesOut: 3 * CHUNK + 5 }));
  });

  it('holds a client that does not read to a bounded number of chunks, and stops reading when it goes away', async () => {
    const before = { pulled: fs.pulled, finished: fs.finished };
    const res = await get('/alice/home/huge.bin');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(HUGE));
    res.pause();
    const pulled = (await settled(() => fs.pulled)) - before.pulled;
    // What the kernel's socket buffers on both ends and the gateway's high-water mark take: tens of
    // MB at most on loopback, never the 1 GiB object.
    expect(pulled * CHUNK).toBeLessThan(HUGE / 8);
    res.destroy();
    await settled(() => fs.finished);
    expect(fs.finished - before.finished).toBe(1);
    expect(fs.pulled - before.pulled).toBe(pulled);
  });

  it('answers 503 JSON when the body cannot start', async () => {
    const res = await fetch(`${gw.url}/alice/home/first.bin`, { headers: { authorization: `Bearer ${gw.tokens.alice}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'ServiceUnavailable' });
  });

  it('cuts the connection short of Content-Length when the body fails midway', async () => {
    const res = await get('/alice/home/middle.bin');
    expect(res.statusCode).toBe(200);
    let n = 0;
    const outcome = await new Promise<string>((resolve) => {
      res.on('data', (c: Buffer) => { n += c.length; });
      res.on('end', () => resolve('end'));
      res.on('error', () => resolve('error'));
      res.on('aborted', () => resolve('aborted'));
    });
    expect(outcome).not.toBe('end');
    expect(n).toBe(3 * CHUNK);
  });
});

describe('uploads', () => {
  it('ends the connection of an upload refused midway, so nothing is left open', async () => {
    const sockets = new Set<Socket>();
    const onConnection = (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    };
    gw.app.server.on('connection', onConnection);
    const total = 64 << 20;
    // A client that keeps sending (it never ends its body on its own): only the server can end this.
    const req = httpRequest(`${gw.url}/alice/home/refused.bin`, {
      method: 'PUT', headers: { authorization: `Bearer ${gw.tokens.alice}`, 'content-length': String(total) },
    });
    req.on('error', () => undefined);
    const piece = new Uint8Array(64 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < total && !req.destroyed) {
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
    };
    pump();
    const res = await new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.statusCode).toBe(507);
    expect(res.headers.connection).toBe('close');
    res.resume();
    await new Promise<void>((resolve) => (req.socket?.destroyed ? resolve() : req.socket?.once('close', () => resolve())));
    expect(sent).toBeLessThan(total);
    // The server's side of that connection is gone too (it was open, paused, before).
    await settled(() => sockets.size, 100);
    expect(sockets.size).toBe(0);
    gw.app.server.off('connection', onConnection);
  });
});
