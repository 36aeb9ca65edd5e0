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
  // Trailers (a checksum the client computed) end with an empty line; without trailers the
  // last chunk's header is followed by that empty line directly.
  for (let i = 0; ; i++) {
    const line = await r.line().catch((e: unknown) => (trailer ? Promise.reject(e) : ''));
    if (line === '') {
      if (!(await r.atEnd())) throw new S3Error(400, 'IncompleteBody', 'unexpected bytes after the end of an aws-chunked body');
      return;
    }
    if (!trailer || i >= MAX_TRAILERS) throw new S3Error(400, 'IncompleteBody', 'unexpected bytes after the last chunk');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new S3Error(400, 'IncompleteBody', 'a trailer is not a name:value line');
    trailers?.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
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
