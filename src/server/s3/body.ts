// An upload's body on its way to storage: the idle deadline, the signature's framing and checks
// (chunked.ts), the size limit, and an MD5 taken on the way (S3's ETag of a single-part object).
import { createHash } from 'node:crypto';
import { withIdleDeadline } from '../api/uploads.js';
import { decodeAwsChunked, sha256Checked } from './chunked.js';
import type { S3Call } from './context.js';
import { algorithmOf, checkDigest, CHECKSUM_ALGORITHMS, checksumHeader, newChecksum, type ChecksumAlgorithm } from './checksums.js';
import { S3Error } from './errors.js';

export interface UploadBody {
  body: AsyncIterable<Uint8Array>;
  /** The decoded length the client announced, when it did. */
  sizeBytes?: number;
  /** The body's MD5 in hex, known once the body has been read to its end. */
  md5Hex(): string;
  /**
   * The S3 error the body failed with (a digest, signature or framing check), if it did: storage
   * sees only that its source failed, and reports it as its own failure.
   */
  failure(): S3Error | null;
}

function announcedSize(c: S3Call): number | undefined {
  const h = c.req.headers;
  const chunked = c.auth.payload.kind === 'chunked';
  const text = chunked ? h['x-amz-decoded-content-length'] : h['content-length'];
  if (text === undefined) {
    if (chunked) throw new S3Error(411, 'MissingContentLength', 'an aws-chunked body needs x-amz-decoded-content-length');
    return undefined;
  }
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text) || !Number.isSafeInteger(n)) throw new S3Error(400, 'InvalidArgument', 'the content length is not a byte count');
  if (n > c.ctx.maxObjectBytes) throw new S3Error(400, 'EntityTooLarge', `objects are limited to ${c.ctx.maxObjectBytes} bytes, this one has ${n}`);
  return n;
}

function contentMd5(c: S3Call): string | undefined {
  const v = c.req.headers['content-md5'];
  if (v === undefined) return undefined;
  const hex = typeof v === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(v) ? Buffer.from(v, 'base64').toString('hex') : '';
  if (hex.length !== 32) throw new S3Error(400, 'InvalidArgument', 'Content-MD5 is not a base64 MD5');
  return hex;
}

/**
 * The additional checksum the client sends, if any: its algorithm, and its value from a header
 * (known now) or from a trailer (known once the body has ended).
 */
function announcedChecksum(c: S3Call): { alg: ChecksumAlgorithm; header?: string } | undefined {
  const h = c.req.headers;
  const named = h['x-amz-trailer'];
  if (named !== undefined) {
    const names = String(named).split(',').map((n) => n.trim()).filter((n) => n !== '');
    const algs = names.map(algorithmOf);
    if (c.auth.payload.kind !== 'chunked' || !c.auth.payload.trailer) throw new S3Error(400, 'InvalidRequest', 'x-amz-trailer needs a streaming body with trailers');
    if (algs.length !== 1 || algs[0] === undefined) throw new S3Error(400, 'InvalidRequest', `x-amz-trailer must name one checksum of ${CHECKSUM_ALGORITHMS.map(checksumHeader).join(', ')}`);
    return { alg: algs[0] };
  }
  const given = CHECKSUM_ALGORITHMS.filter((a) => h[checksumHeader(a)] !== undefined);
  if (given.length > 1) throw new S3Error(400, 'InvalidRequest', 'a request may carry one checksum header');
  const alg = given[0];
  return alg === undefined ? undefined : { alg, header: String(h[checksumHeader(alg)]) };
}

/** The body of an upload, decoded and checked as it streams; read it once. */
export function uploadBody(c: S3Call): UploadBody {
  const sizeBytes = announcedSize(c);
  const expectedMd5 = contentMd5(c);
  const checksum = announcedChecksum(c);
  const sum = checksum && newChecksum(checksum.alg);
  const trailers = new Map<string, string>();
  const raw = withIdleDeadline(c.req.raw, c.ctx.uploadIdleMs);
  const p = c.auth.payload;
  const decoded = p.kind === 'chunked' ? decodeAwsChunked(raw, c.auth.chunks, p.trailer, trailers) : p.kind === 'sha256' ? sha256Checked(raw, p.hex) : raw;
  const md5 = createHash('md5');
  let digest = '';
  const limit = c.ctx.maxObjectBytes;
  let failed: S3Error | null = null;
  async function* body(): AsyncIterable<Uint8Array> {
    try {
      yield* checked();
    } catch (e) {
      if (e instanceof S3Error) failed = e;
      throw e;
    }
  }
  async function* checked(): AsyncIterable<Uint8Array> {
    let n = 0;
    for await (const piece of decoded) {
      n += piece.length;
      if (n > limit) throw new S3Error(400, 'EntityTooLarge', `objects are limited to ${limit} bytes`);
      md5.update(piece);
      sum?.update(piece);
      yield piece;
    }
    digest = md5.digest('hex');
    if (expectedMd5 !== undefined && digest !== expectedMd5) throw new S3Error(400, 'BadDigest', 'the Content-MD5 you specified did not match what we received');
    if (checksum && sum) {
      const expected = checksum.header ?? trailers.get(checksumHeader(checksum.alg));
      if (expected === undefined) throw new S3Error(400, 'IncompleteBody', `the body ended without the ${checksumHeader(checksum.alg)} trailer it announced`);
      checkDigest(checksum.alg, expected, sum);
    }
  }
  return { body: body(), ...(sizeBytes !== undefined ? { sizeBytes } : {}), md5Hex: () => digest, failure: () => failed };
}

/** Read and drop a body that must be empty (a directory marker, a CreateBucket configuration). */
export async function drainBody(c: S3Call, maxBytes: number): Promise<number> {
  let n = 0;
  for await (const piece of uploadBody(c).body) {
    n += piece.length;
    if (n > maxBytes) throw new S3Error(400, 'InvalidRequest', `this request takes a body of at most ${maxBytes} bytes`);
  }
  return n;
}
