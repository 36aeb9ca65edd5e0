// `cumulus get`: an object's bytes to a file or to stdout. A file is written under a temporary name
// beside it and renamed only once it is complete and verified (its length, and its SHA-256 against
// the etag when the etag is one), so a failed read never leaves a partial file under the name the
// user asked for. A body cut short (the gateway lost a chunk midway, or the connection) is resumed
// with a Range request from where it stopped, at most GET_RESUME_ATTEMPTS times, and only while
// the object keeps its etag; when the resumed request is refused, its error (which names the chunk
// that could not be read) ends the command.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { CumulusApiError, errorClassFor, ServerError, type Cumulus, type GetResult } from '../sdk/index.js';
import type { Progress } from './progress.js';

/** Range requests after a body cut short, before the command gives up. */
export const GET_RESUME_ATTEMPTS = 3;
/** An etag that is a hex SHA-256 of the content (the ring's and the local store's) can be checked. */
const SHA256_ETAG = /^[0-9a-f]{64}$/;

export interface Downloaded {
  size: number;
  etag: string | undefined;
}

/** Where the bytes go: a file (through a temporary name) or a stream (stdout). */
export type Sink = { file: string } | { out: Writable };

/** The temporary name a download to `file` is written under: hidden, beside it, unique. */
export function partName(file: string): string {
  return join(dirname(file), `.${basename(file)}.cumulus-${randomBytes(4).toString('hex')}.part`);
}

export async function download(cloud: Cumulus, path: string, sink: Sink, progress: (size: number) => Progress): Promise<Downloaded> {
  const first = await cloud.get(path);
  const bar = progress(first.size);
  const part = 'file' in sink ? partName(sink.file) : undefined;
  let handle: FileHandle | undefined;
  try {
    handle = part === undefined ? undefined : await open(part, 'wx');
    const write = handle ? writeTo(handle) : streamTo((sink as { out: Writable }).out);
    const got = await receive(cloud, path, first, write, bar);
    if (handle && part && 'file' in sink) {
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(part, sink.file);
    }
    return got;
  } finally {
    bar.stop();
    await handle?.close().catch(() => undefined);
    if (part) await rm(part, { force: true });
  }
}

/** Read the body, resuming after a cut, and verify what arrived; `write` takes each piece in order. */
async function receive(cloud: Cumulus, path: string, first: GetResult, write: (piece: Uint8Array) => Promise<void>, bar: Progress): Promise<Downloaded> {
  const hash = createHash('sha256');
  const total = first.size;
  let received = 0;
  let res = first;
  for (let resumes = 0; ; resumes++) {
    try {
      for await (const piece of Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>)) {
        const bytes = piece as Uint8Array;
        hash.update(bytes);
        received += bytes.length;
        bar.advance(bytes.length);
        await write(bytes);
      }
      if (received >= total) break;
      throw new Error(`the body ended after ${received} of ${total} bytes`);
    } catch (e) {
      if (received >= total || resumes >= GET_RESUME_ATTEMPTS) throw cutShort(path, received, total, e);
      // Asking for the rest is also how we learn why the body stopped: the gateway reads the first
      // chunk of a range before it answers, so a chunk it cannot read comes back as an error naming it.
      try {
        res = await cloud.get(path, { range: { start: received } });
      } catch (refused) {
        throw cutShort(path, received, total, refused);
      }
      if (res.etag !== first.etag) throw new ServerError(409, 'Changed', `get ${path}: the object changed while it was read (etag ${first.etag} became ${res.etag})`);
    }
  }
  const digest = hash.digest('hex');
  if (received !== total) throw new ServerError(502, 'Truncated', `get ${path}: got ${received} bytes, the object has ${total}`);
  if (first.etag !== undefined && SHA256_ETAG.test(first.etag) && digest !== first.etag) {
    throw new ServerError(502, 'Corrupt', `get ${path}: the bytes received hash to ${digest}, not to the object's etag ${first.etag}`);
  }
  return { size: received, etag: first.etag };
}

/** The error that ends a download: where it stopped, and why (the gateway's own message when it gave one). */
function cutShort(path: string, received: number, total: number, why: unknown): Error {
  const reason = why instanceof Error ? why.message : String(why);
  const message = `get ${path}: stopped at byte ${received} of ${total}: ${reason.replace(`get ${path}: `, '')}`;
  // A refusal keeps its class (the object removed meanwhile is still "not found"); a cut connection is a server failure.
  if (why instanceof CumulusApiError) return new (errorClassFor(why.status))(why.status, why.code, message);
  return new ServerError(502, 'Truncated', message);
}

function writeTo(handle: FileHandle): (piece: Uint8Array) => Promise<void> {
  return async (piece) => {
    for (let off = 0; off < piece.length; ) off += (await handle.write(piece, off, piece.length - off)).bytesWritten;
  };
}

function streamTo(out: Writable): (piece: Uint8Array) => Promise<void> {
  return async (piece) => {
    if (!out.write(piece)) await once(out, 'drain');
  };
}
