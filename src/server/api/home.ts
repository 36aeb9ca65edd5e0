// Handlers of /:user/home/…: objects and directories. Bodies are streamed both ways: an upload goes
// from the socket to storage chunk by chunk, a download from storage to the socket, so the gateway
// never holds a whole file in memory.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import type { CloudDoor } from './cloud-routes.js';
import type { JobsClient } from '../../services/jobs/engine/client.js';
import { REPLICAS } from '../../services/storage/constants.js';
import type { ByteRange, FileSystem, Stat } from './files.js';
import type { NodeRegistry } from './nodes.js';
import { homePath } from './paths.js';
import { DEFAULT_PAGE_ENTRIES, type DirEntry, type HomeParams, type PageQuery } from './schemas.js';
import type { UsageTracker } from './usage.js';
import { withIdleDeadline, type UploadSlots } from './uploads.js';

export interface HomeContext {
  fs: FileSystem;
  nodes: NodeRegistry;
  usage: UsageTracker;
  maxObjectBytes: number;
  /** Bytes received per request, for the access log. */
  bytesIn: WeakMap<FastifyRequest, number>;
  /** An upload whose body stops arriving this long is ended (uploads.ts). */
  uploadIdleMs: number;
  uploads: UploadSlots;
  /** The jobs client of the gateway's peer, or null while it is not on the ring; absent without a peer. */
  jobs?: () => JobsClient | null;
  /** The gateway's peer's gossip estimates and slices client (cloud-routes.ts); absent without a peer. */
  cloud?: () => CloudDoor | null;
}

const DIRECTORY_TYPE = 'application/x-json-stream; type=directory';

function pathOf(req: FastifyRequest): { path: string; home: string } {
  const p = req.params as HomeParams;
  return { path: homePath(p.user, p['*'] ?? ''), home: `/${p.user}/home` };
}

/** Manta's convention: a PUT whose media type is JSON with `type=directory` creates a directory. */
export function isDirectoryType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [media, ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  return media === 'application/json' && params.some((p) => p.replace(/\s/g, '') === 'type=directory');
}

/**
 * The replica count a PUT asks for. Fastify has checked the `replicas` header against
 * ReplicasSchema already (HomeHeaders); absent, storage's default applies. The header's earlier
 * name is refused rather than ignored, so an old client never gets fewer copies than it asked for.
 */
function replicasOf(headers: FastifyRequest['headers']): number {
  if (headers.durability !== undefined) throw new HttpError(400, 'InvalidArgument', 'this gateway takes the replica count in the replicas header (replicas: N), not durability');
  return (headers.replicas as number | undefined) ?? REPLICAS.default;
}

/**
 * Parse a Range header against an object size. Returns undefined when the header is absent or
 * not a single `bytes=` range (RFC 9110 lets a server ignore such a header and send it all), and
 * 'unsatisfiable' when it is well formed but lies outside the object.
 */
export function parseRange(header: string | undefined, sizeBytes: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, sizeBytes - suffix);
    end = sizeBytes - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? sizeBytes - 1 : Math.min(Number(m[2]), sizeBytes - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= sizeBytes || sizeBytes === 0) return 'unsatisfiable';
  return { start, end };
}

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === `"${etag}"` || t === etag);
}

export function toDirEntry(s: Stat): DirEntry {
  const e: DirEntry = { name: s.name, type: s.type, mtime: new Date(s.mtimeMs).toISOString(), size: s.sizeBytes };
  if (s.etag !== undefined) e.etag = s.etag;
  if (s.replicas !== undefined) e.replicas = s.replicas;
  return e;
}

function statHeaders(reply: FastifyReply, s: Stat): void {
  reply.header('last-modified', new Date(s.mtimeMs).toUTCString());
  if (s.etag !== undefined) reply.header('etag', `"${s.etag}"`);
  if (s.replicas !== undefined) reply.header('replicas', String(s.replicas));
}

async function* countBytes(ctx: HomeContext, req: FastifyRequest, body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let n = 0;
  for await (const chunk of body) {
    n += chunk.length;
    if (n > ctx.maxObjectBytes) throw new HttpError(413, 'RequestTooLarge', `objects are limited to ${ctx.maxObjectBytes} bytes`);
    ctx.bytesIn.set(req, n);
    yield chunk;
  }
}

export async function putHome(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { path, home } = pathOf(req);
  const headers = req.headers;
  if (isDirectoryType(headers['content-type'])) {
    const stat = await ctx.fs.mkdir(path, { parents: (req.query as PageQuery).parents === true });
    statHeaders(reply, stat);
    reply.code(204).send();
    return;
  }
  if (path === home) throw new HttpError(409, 'IsADirectory', 'the home directory cannot be replaced by an object');
  if ((req.params as HomeParams)['*']?.endsWith('/')) throw new HttpError(400, 'InvalidArgument', 'a path ending in / names a directory: give the object a name of its own');
  const replicas = replicasOf(headers);
  const lengthHeader = headers['content-length'];
  const sizeBytes = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (sizeBytes !== undefined && (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0)) {
    throw new HttpError(400, 'InvalidArgument', 'Content-Length is not a byte count');
  }
  if (sizeBytes !== undefined && sizeBytes > ctx.maxObjectBytes) {
    throw new HttpError(413, 'RequestTooLarge', `objects are limited to ${ctx.maxObjectBytes} bytes, this one has ${sizeBytes}`);
  }
  if (headers['if-none-match']?.trim() === '*') {
    const existing = await ctx.fs.stat(path).catch(() => undefined);
    if (existing) throw new HttpError(412, 'PreconditionFailed', `${path} already exists (If-None-Match: *)`);
  }
  const contentType = headers['content-type'];
  // The route admits only the owner, so the path's user is the one uploading.
  const release = ctx.uploads.acquire((req.params as HomeParams).user);
  // When the body itself failed (too long, or it stopped arriving), that is the answer, whatever
  // the backend made of the failure it saw.
  let bodyError: unknown;
  async function* body(): AsyncIterable<Uint8Array> {
    try {
      yield* countBytes(ctx, req, withIdleDeadline(req.raw, ctx.uploadIdleMs));
    } catch (e) {
      bodyError = e;
      throw e;
    }
  }
  let stat;
  try {
    stat = await ctx.fs.put(path, body(), {
      replicas,
      maxBytes: ctx.maxObjectBytes,
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      ...(contentType ? { contentType } : {}),
    });
  } catch (e) {
    throw bodyError ?? e;
  } finally {
    release();
  }
  statHeaders(reply, stat);
  reply.code(204).send();
}

/** GET or HEAD of a path below the home (or of another path of the user's the caller names, such as a job's output). */
export async function getHome(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply, head: boolean, path = pathOf(req).path): Promise<unknown> {
  const stat = await ctx.fs.stat(path);
  statHeaders(reply, stat);
  if (stat.type === 'directory') {
    reply.header('content-type', DIRECTORY_TYPE);
    if (head) return reply.code(200).send();
    const q = req.query as PageQuery;
    const page = await ctx.fs.list(path, { limit: q.limit ?? DEFAULT_PAGE_ENTRIES, ...(q.marker !== undefined ? { marker: q.marker } : {}) });
    if (page.next !== undefined) reply.header('next-marker', page.next);
    // A Buffer, not a string: Fastify rewrites the media type of strings (adding a charset and
    // quoting `type="directory"`), and clients match Manta's exact spelling.
    return reply.send(Buffer.from(page.entries.map((e) => JSON.stringify(toDirEntry(e)) + '\n').join('')));
  }
  reply.header('accept-ranges', 'bytes');
  reply.type(stat.contentType ?? 'application/octet-stream');
  if (stat.etag !== undefined && etagMatches(req.headers['if-none-match'], stat.etag)) return reply.code(304).send();
  const range = head ? undefined : parseRange(req.headers.range, stat.sizeBytes);
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${stat.sizeBytes}`);
    throw new HttpError(416, 'RangeNotSatisfiable', `range ${req.headers.range} lies outside the ${stat.sizeBytes} bytes of ${path}`);
  }
  const length = range ? range.end - range.start + 1 : stat.sizeBytes;
  reply.header('content-length', String(length));
  if (head) return reply.code(200).send();
  const { body } = await ctx.fs.get(path, range, stat);
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${stat.sizeBytes}`);
  return sendBody(reply, body);
}

/** Bytes queued on the socket beyond which the next chunk waits for it to drain. */
export const SEND_HIGH_WATER_BYTES = 1 << 20;

/**
 * Write a body straight to the response, chunk by chunk as the FileSystem yields them (storage
 * yields each 256 KiB chunk once verified, with its own read-ahead running): no stream adapter in
 * between, no copies. The next chunk is taken only while the socket holds less than
 * SEND_HIGH_WATER_BYTES, so memory stays bounded by the FileSystem's read-ahead plus that.
 *
 * The first chunk is awaited before the status line goes out, so a body that cannot start (storage
 * peers gone) still answers with a JSON error. A failure after that can only cut the connection
 * (once what was written has drained): the client sees fewer bytes than its Content-Length.
 */
export async function sendBody(reply: FastifyReply, body: AsyncIterable<Uint8Array>): Promise<void> {
  const it = body[Symbol.asyncIterator]();
  let next = await it.next();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  try {
    while (!next.done && !res.destroyed) {
      res.write(next.value);
      if (res.writableLength > SEND_HIGH_WATER_BYTES) await drained(res);
      if (res.destroyed) break;
      next = await it.next();
    }
    if (!res.destroyed) res.end();
  } catch (e) {
    reply.log.warn({ err: e }, 'object body failed after the headers were sent; connection cut');
    // What was written still reaches the client (it can tell how far it got), then the connection
    // is cut: short of its Content-Length, the body cannot be mistaken for a complete one.
    await drained(res);
    res.destroy();
  } finally {
    // A client that went away stops storage's read-ahead too.
    if (!next.done) await it.return?.()?.catch(() => undefined);
  }
}

/** Resolves when the response has drained its socket buffer, or is gone. */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableLength === 0) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function deleteHome(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { path, home } = pathOf(req);
  if (path === home) throw new HttpError(400, 'InvalidArgument', 'the home directory itself cannot be deleted');
  await ctx.fs.rm(path);
  reply.code(204).send();
}
