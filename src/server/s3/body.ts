// An upload's body on its way to storage: the idle deadline, the signature's framing and checks
// (chunked.ts), the size limit, and an MD5 taken on the way (S3's ETag of a single-part object).
import { createHash } from 'node:crypto';
import { withIdleDeadline } from '../api/uploads.js';
import { decodeAwsChunked, sha256Checked } from './chunked.js';
import type { S3Call } from './context.js';
import { S3Error } from './errors.js';

export interface UploadBody {
  body: AsyncIterable<Uint8Array>;
  /** The decoded length the client announced, when it did. */
  sizeBytes?: number;
  /** The body's MD5 in hex, known once the body has been read to its end. */
  md5Hex(): string;
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

/** The body of an upload, decoded and checked as it streams; read it once. */
export function uploadBody(c: S3Call): UploadBody {
  const sizeBytes = announcedSize(c);
  const expectedMd5 = contentMd5(c);
  const raw = withIdleDeadline(c.req.raw, c.ctx.uploadIdleMs);
  const p = c.auth.payload;
  const decoded = p.kind === 'chunked' ? decodeAwsChunked(raw, c.auth.chunks, p.trailer) : p.kind === 'sha256' ? sha256Checked(raw, p.hex) : raw;
  const md5 = createHash('md5');
  let digest = '';
  const limit = c.ctx.maxObjectBytes;
  async function* body(): AsyncIterable<Uint8Array> {
    let n = 0;
    for await (const piece of decoded) {
      n += piece.length;
      if (n > limit) throw new S3Error(400, 'EntityTooLarge', `objects are limited to ${limit} bytes`);
      md5.update(piece);
      yield piece;
    }
    digest = md5.digest('hex');
    if (expectedMd5 !== undefined && digest !== expectedMd5) throw new S3Error(400, 'BadDigest', 'the Content-MD5 you specified did not match what we received');
  }
  return { body: body(), ...(sizeBytes !== undefined ? { sizeBytes } : {}), md5Hex: () => digest };
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
