// Proves the S3 door checks additional checksums: each algorithm gives the standard check value, uploads the AWS SDK checksums with any algorithm (trailers by default) are taken, and a trailer or header that does not match the body is refused with BadDigest and stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type ChecksumAlgorithm, type S3Client } from '@aws-sdk/client-s3';
import { Readable, Transform } from 'node:stream';
import { newChecksum, CHECKSUM_ALGORITHMS } from './checksums.js';
import { startTestS3, type TestS3 } from './test-util/s3-gateway.js';

let s3: TestS3;
let alice: S3Client;

beforeAll(async () => {
  s3 = await startTestS3({});
  alice = s3.client(s3.keys.alice);
  await alice.send(new CreateBucketCommand({ Bucket: 'sums' }));
});
afterAll(async () => s3?.close());

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to be refused');
}

/** Rewrite the checksum trailer of the aws-chunked body the SDK is about to send. */
function corruptTrailer(client: S3Client): () => void {
  const name = 'corruptTrailer';
  client.middlewareStack.add((next) => async (args) => {
    const req = args.request as { body: Readable };
    const swap = new Transform({
      transform(piece: Buffer, _enc, done) {
        done(null, Buffer.from(piece.toString('latin1').replace(/(x-amz-checksum-crc32:)[A-Za-z0-9+/=]+/, '$1AAAAAA=='), 'latin1'));
      },
    });
    req.body = req.body.pipe(swap);
    return next(args);
  }, { step: 'finalizeRequest', name, priority: 'low' });
  return () => client.middlewareStack.remove(name);
}

describe('S3 additional checksums', () => {
  it('computes the standard check values', () => {
    const hex = (alg: (typeof CHECKSUM_ALGORITHMS)[number]) => {
      const c = newChecksum(alg);
      c.update(Buffer.from('1234'));
      c.update(Buffer.from('56789'));
      return Buffer.from(c.digestBase64(), 'base64').toString('hex');
    };
    expect(hex('crc32')).toBe('cbf43926');
    expect(hex('crc32c')).toBe('e3069283');
    expect(hex('crc64nvme')).toBe('ae8b14860a799888');
    expect(hex('sha1')).toBe('f7c3bc1d808e04732adf679965ccc34ca7ae3441');
  });

  it('takes streamed uploads with the trailer of each algorithm the SDK computes', async () => {
    const body = Buffer.alloc(200_000, 5);
    for (const alg of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as ChecksumAlgorithm[]) {
      await alice.send(new PutObjectCommand({ Bucket: 'sums', Key: `ok-${alg}`, Body: Readable.from([body]), ContentLength: body.length, ChecksumAlgorithm: alg }));
      const got = await alice.send(new GetObjectCommand({ Bucket: 'sums', Key: `ok-${alg}` }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    }
  });

  it('refuses a trailer or a header that does not match the body with BadDigest, storing nothing', async () => {
    const body = Buffer.alloc(100_000, 3);
    const restore = corruptTrailer(alice);
    try {
      const put = alice.send(new PutObjectCommand({ Bucket: 'sums', Key: 'bad-trailer', Body: Readable.from([body]), ContentLength: body.length }));
      expect(await errorOf(put)).toEqual({ name: 'BadDigest', status: 400 });
    } finally {
      restore();
    }
    const header = alice.send(new PutObjectCommand({ Bucket: 'sums', Key: 'bad-header', Body: body, ChecksumCRC32: 'AAAAAA==' }));
    expect(await errorOf(header)).toEqual({ name: 'BadDigest', status: 400 });
    for (const Key of ['bad-trailer', 'bad-header']) expect(await errorOf(alice.send(new GetObjectCommand({ Bucket: 'sums', Key })))).toMatchObject({ name: 'NoSuchKey' });
  });
});
