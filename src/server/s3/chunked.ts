// Bodies as S3 clients send them: aws-chunked framing (the SDKs' and rclone's streaming uploads),
// each chunk's signature chained from the request's, or a whole-body SHA-256 named up front. The
// decoded bytes stream on as they arrive; a chunk or body that fails its check fails the
// iteration before it ends, so storage never commits what was not signed.
import { createHash } from 'node:crypto';
import { S3Error } from './errors.js';
import { EMPTY_SHA256, type ChunkSigner } from './sigv4.js';

/** Longest chunk header or trailer line (`<hex size>;chunk-signature=<64 hex>` is about 90 bytes). */
const MAX_LINE_BYTES = 4096;
/** Trailers after the last chunk (a checksum, its signature). */
const MAX_TRAILERS = 16;
/** Largest chunk announced; the SDKs send 64 KiB, rclone up to a few MiB. */
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;
/** The trailer that signs the others in a signed streaming body with trailers. */
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';
/** The first line of a trailer signature's string to sign. */
const TRAILER_ALGORITHM = 'AWS4-HMAC-SHA256-TRAILER';

/** Pulls lines and byte runs off an async iterable of pieces. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    const next = await this.it.next();
    if (next.done) return false;
    this.buf = this.buf.length === 0 ? Buffer.from(next.value) : Buffer.concat([this.buf, next.value]);
    return true;
  }

  async line(): Promise<string> {
    for (;;) {
      const at = this.buf.indexOf('\r\n');
      if (at >= 0) {
        const text = this.buf.subarray(0, at).toString('latin1');
        this.buf = this.buf.subarray(at + 2);
        return text;
      }
      if (this.buf.length > MAX_LINE_BYTES) throw new S3Error(400, 'IncompleteBody', 'an aws-chunked header line is too long');
      if (!(await this.fill())) throw new S3Error(400, 'IncompleteBody', 'the body ended inside an aws-chunked header');
    }
  }

  /** Whether the body has no bytes left. */
  async atEnd(): Promise<boolean> {
    while (this.buf.length === 0) if (!(await this.fill())) return true;
    return false;
  }

  /** Up to `n` bytes, as soon as some are there. */
  async take(n: number): Promise<Buffer> {
    if (this.buf.length === 0 && !(await this.fill())) throw new S3Error(400, 'IncompleteBody', 'the body ended inside a chunk');
    const piece = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(piece.length);
    return piece;
  }
}

/**
 * Decode an aws-chunked body; with a signer, every chunk's signature is checked in turn. The
 * trailers after the last chunk (`name:value`, names in lower case) go into `trailers`, complete
 * before the iteration ends, for the caller to check (checksums.ts).
 */
export async function* decodeAwsChunked(body: AsyncIterable<Uint8Array>, signer: ChunkSigner | undefined, trailer: boolean, trailers?: Map<string, string>): AsyncIterable<Uint8Array> {
  const r = new Reader(body);
  let previous = signer?.seedSignature ?? '';
  for (;;) {
    const header = await r.line();
    const m = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(header);
    if (!m) throw new S3Error(400, 'IncompleteBody', 'malformed aws-chunked chunk header');
    const size = parseInt(m[1]!, 16);
    if (size > MAX_CHUNK_BYTES) throw new S3Error(400, 'InvalidArgument', `aws-chunked chunks are limited to ${MAX_CHUNK_BYTES} bytes`);
    if (signer && !m[2]) throw new S3Error(403, 'SignatureDoesNotMatch', 'a chunk of a signed streaming body has no signature');
    const hash = signer ? createHash('sha256') : undefined;
    let left = size;
    while (left > 0) {
      const piece = await r.take(left);
      left -= piece.length;
      hash?.update(piece);
      yield piece;
    }
    if (signer && hash) {
      const text = ['AWS4-HMAC-SHA256-PAYLOAD', signer.longDate, signer.scope, previous, EMPTY_SHA256, hash.digest('hex')].join('\n');
      const expected = await signer.sign(text);
      if (expected !== m[2]) throw new S3Error(403, 'SignatureDoesNotMatch', 'a chunk signature does not match: the body was changed or signed with another key');
      previous = expected;
    }
    if (size === 0) break;
    if ((await r.line()) !== '') throw new S3Error(400, 'IncompleteBody', 'a chunk is longer than its header says');
  }
  const read = await readTrailers(r, trailer);
  if (signer && trailer) await checkTrailerSignature(read, signer, previous);
  read.delete(TRAILER_SIGNATURE);
  for (const [name, value] of read) trailers?.set(name, value);
}

/**
 * The trailers after the last chunk (a checksum the client computed), ending with an empty line;
 * without trailers the last chunk's header is followed by that empty line directly.
 */
async function readTrailers(r: Reader, trailer: boolean): Promise<Map<string, string>> {
  const read = new Map<string, string>();
  for (let i = 0; ; i++) {
    const line = await r.line().catch((e: unknown) => (trailer ? Promise.reject(e) : ''));
    if (line === '') {
      if (!(await r.atEnd())) throw new S3Error(400, 'IncompleteBody', 'unexpected bytes after the end of an aws-chunked body');
      return read;
    }
    if (!trailer || i >= MAX_TRAILERS) throw new S3Error(400, 'IncompleteBody', 'unexpected bytes after the last chunk');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new S3Error(400, 'IncompleteBody', 'a trailer is not a name:value line');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (read.has(name)) throw new S3Error(400, 'IncompleteBody', 'a trailer is named twice');
    read.set(name, line.slice(colon + 1).trim());
  }
}

/**
 * A signed body's trailers carry their own signature (`x-amz-trailer-signature`), chained from the
 * last chunk's: the HMAC of AWS4-HMAC-SHA256-TRAILER, the request's date and scope, that chunk's
 * signature and the SHA-256 of the other trailers as canonical `name:value\n` lines in name order.
 * Without it a checksum trailer could be swapped by anyone on the path, so a missing or wrong one
 * fails the body like a wrong chunk signature.
 */
async function checkTrailerSignature(read: Map<string, string>, signer: ChunkSigner, previous: string): Promise<void> {
  const given = read.get(TRAILER_SIGNATURE);
  if (given === undefined) throw new S3Error(403, 'SignatureDoesNotMatch', 'the trailers of a signed streaming body have no x-amz-trailer-signature');
  const canonical = [...read].filter(([name]) => name !== TRAILER_SIGNATURE).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => `${name}:${value}\n`).join('');
  const text = [TRAILER_ALGORITHM, signer.longDate, signer.scope, previous, createHash('sha256').update(canonical, 'latin1').digest('hex')].join('\n');
  const expected = await signer.sign(text);
  if (expected !== given) throw new S3Error(403, 'SignatureDoesNotMatch', 'the trailer signature does not match: a trailer was changed or signed with another key');
}

/** Pass a body on while hashing it; a body whose SHA-256 is not the one signed fails at its end. */
export async function* sha256Checked(body: AsyncIterable<Uint8Array>, expectedHex: string): AsyncIterable<Uint8Array> {
  const hash = createHash('sha256');
  for await (const piece of body) {
    hash.update(piece);
    yield piece;
  }
  if (hash.digest('hex') !== expectedHex) throw new S3Error(400, 'XAmzContentSHA256Mismatch', 'the body\'s SHA-256 is not the x-amz-content-sha256 that was signed');
}
