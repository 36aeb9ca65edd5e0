// Proves the S3 door's operations and refusals with the AWS SDK over a local file system: buckets, objects (streamed aws-chunked bodies too), listings with delimiters and continuation, ranges, conditional GETs, copies, batch deletes, multipart uploads and the bound on bytes kept in open ones, presigned URLs, and the S3 error codes of bad signatures, unknown keys, expired URLs and another user's bucket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand,
  ListObjectsV2Command, ListPartsCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { s3Client, startTestS3, type TestS3 } from './test-util/s3-gateway.js';

const MiB = 1024 * 1024;
let s3: TestS3;
let alice: S3Client;
let clockMs = Date.now();

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the request to be refused');
}

beforeAll(async () => {
  s3 = await startTestS3({ nowMs: () => clockMs });
  alice = s3.client(s3.keys.alice);
  await alice.send(new CreateBucketCommand({ Bucket: 'photos' }));
});
afterAll(async () => s3?.close());

describe('the S3 door', () => {
  it('stores objects as files under the bucket directory and reads them back, whole, by range and conditionally', async () => {
    const put = await alice.send(new PutObjectCommand({ Bucket: 'photos', Key: 'trips/2026/cat.txt', Body: 'hello, cat', ContentType: 'text/plain' }));
    expect(put.ETag).toBe(`"${createHash('md5').update('hello, cat').digest('hex')}"`);
    // The object is a file that the REST gateway and the CLI see at the same path.
    expect(await readFile(join(s3.dir, 'files', 'data', 'alice', 'home', 'photos', 'trips', '2026', 'cat.txt'), 'utf8')).toBe('hello, cat');
    const got = await alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'trips/2026/cat.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello, cat');
    expect(got.ContentType).toBe('text/plain');
    const part = await alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'trips/2026/cat.txt', Range: 'bytes=7-' }));
    expect(await part.Body!.transformToString()).toBe('cat');
    expect(part.ContentRange).toBe('bytes 7-9/10');
    const head = await alice.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'trips/2026/cat.txt' }));
    expect(head.ContentLength).toBe(10);
    // The ETag clients check is the body's MD5 on every read, not only in the PUT's answer.
    expect([got.ETag, part.ETag, head.ETag]).toEqual([put.ETag, put.ETag, put.ETag]);
    const listed = await alice.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'trips/2026/' }));
    expect(listed.Contents?.map((c) => c.ETag)).toEqual([put.ETag]);
    expect((await errorOf(alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'trips/2026/cat.txt', IfNoneMatch: head.ETag })))).status).toBe(304);
    expect(await errorOf(alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'trips/2026/dog.txt' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await errorOf(alice.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
    expect(await errorOf(alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'trips/2026/cat.txt', Range: 'bytes=50-60' })))).toMatchObject({ name: 'InvalidRange', status: 416 });
  });

  it('takes a streamed body as the SDK sends it (aws-chunked with a trailing checksum)', async () => {
    const pieces = [Buffer.alloc(100_000, 7), Buffer.alloc(50_000, 9)];
    let sentHeader = '';
    alice.middlewareStack.add((next) => async (args) => {
      sentHeader = String((args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256']);
      return next(args);
    }, { step: 'finalizeRequest', name: 'seeHeader', priority: 'low' });
    await alice.send(new PutObjectCommand({ Bucket: 'photos', Key: 'streamed.bin', Body: Readable.from(pieces), ContentLength: 150_000 }));
    alice.middlewareStack.remove('seeHeader');
    expect(sentHeader).toMatch(/^STREAMING-/);
    const got = Buffer.from(await (await alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'streamed.bin' }))).Body!.transformToByteArray());
    expect(got.equals(Buffer.concat(pieces))).toBe(true);
  });

  it('lists keys with a prefix, a delimiter and continuation tokens, in key order', async () => {
    const keys = ['a-b', 'a/1', 'a/2', 'a/sub/x', 'b', 'c/d/e'];
    await alice.send(new CreateBucketCommand({ Bucket: 'list' }));
    for (const Key of keys) await alice.send(new PutObjectCommand({ Bucket: 'list', Key, Body: Key }));
    const all = await alice.send(new ListObjectsV2Command({ Bucket: 'list' }));
    expect(all.Contents?.map((c) => c.Key)).toEqual(keys);
    const top = await alice.send(new ListObjectsV2Command({ Bucket: 'list', Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['a-b', 'b']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'c/']);
    const inA = await alice.send(new ListObjectsV2Command({ Bucket: 'list', Delimiter: '/', Prefix: 'a/' }));
    expect(inA.Contents?.map((c) => c.Key)).toEqual(['a/1', 'a/2']);
    expect(inA.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/sub/']);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await alice.send(new ListObjectsV2Command({ Bucket: 'list', MaxKeys: 2, ...(token ? { ContinuationToken: token } : {}) }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(seen).toEqual(keys);
    const buckets = await alice.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual(['list', 'photos']);
    expect(await errorOf(alice.send(new DeleteBucketCommand({ Bucket: 'list' })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
    const del = await alice.send(new DeleteObjectsCommand({ Bucket: 'list', Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect(del.Deleted?.length).toBe(keys.length);
    await alice.send(new DeleteBucketCommand({ Bucket: 'list' }));
  });

  it('copies and deletes objects', async () => {
    await alice.send(new PutObjectCommand({ Bucket: 'photos', Key: 'orig', Body: 'copy me' }));
    const copied = await alice.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'copies/dup', CopySource: 'photos/orig' }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${createHash('md5').update('copy me').digest('hex')}"`);
    expect(await (await alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'copies/dup' }))).Body!.transformToString()).toBe('copy me');
    await alice.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'copies/dup' }));
    await alice.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'copies/dup' }));
    const left = await alice.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'copies' }));
    expect(left.KeyCount).toBe(0);
  });

  it('assembles a multipart upload from its parts in order, and lists and aborts uploads', async () => {
    const parts = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.from('tail')];
    const { UploadId } = await alice.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'big/blob' }));
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) etags[i] = (await alice.send(new UploadPartCommand({ Bucket: 'photos', Key: 'big/blob', UploadId, PartNumber: i + 1, Body }))).ETag!;
    const listed = await alice.send(new ListPartsCommand({ Bucket: 'photos', Key: 'big/blob', UploadId }));
    expect(listed.Parts?.map((p) => p.Size)).toEqual(parts.map((p) => p.length));
    const done = await alice.send(new CompleteMultipartUploadCommand({
      Bucket: 'photos', Key: 'big/blob', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }));
    // S3's multipart ETag: the MD5 of the parts' MD5s, a dash, the count; HEAD gives the same.
    const md5s = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
    expect(done.ETag).toBe(`"${createHash('md5').update(md5s).digest('hex')}-3"`);
    expect((await alice.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'big/blob' }))).ETag).toBe(done.ETag);
    const got = Buffer.from(await (await alice.send(new GetObjectCommand({ Bucket: 'photos', Key: 'big/blob' }))).Body!.transformToByteArray());
    expect(got.equals(Buffer.concat(parts))).toBe(true);
    const second = await alice.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'big/other' }));
    await alice.send(new AbortMultipartUploadCommand({ Bucket: 'photos', Key: 'big/other', UploadId: second.UploadId }));
    expect(await errorOf(alice.send(new ListPartsCommand({ Bucket: 'photos', Key: 'big/other', UploadId: second.UploadId })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
    const small = await alice.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'big/small' }));
    const tags = [];
    for (const PartNumber of [1, 2]) tags.push((await alice.send(new UploadPartCommand({ Bucket: 'photos', Key: 'big/small', UploadId: small.UploadId, PartNumber, Body: 'tiny' }))).ETag!);
    const tooSmall = alice.send(new CompleteMultipartUploadCommand({ Bucket: 'photos', Key: 'big/small', UploadId: small.UploadId, MultipartUpload: { Parts: tags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    expect(await errorOf(tooSmall)).toMatchObject({ name: 'EntityTooSmall', status: 400 });
  });

  it('bounds the bytes a user keeps in open uploads: a part past the allowance gets QuotaExceeded until Abort or Complete gives room back', async () => {
    const small = await startTestS3({ maxStagedBytesPerUser: 8 * MiB });
    try {
      const c = small.client(small.keys.alice);
      await c.send(new CreateBucketCommand({ Bucket: 'staged' }));
      const part = (UploadId: string | undefined, Key: string) => c.send(new UploadPartCommand({ Bucket: 'staged', Key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 9) }));
      const first = await c.send(new CreateMultipartUploadCommand({ Bucket: 'staged', Key: 'first' }));
      await part(first.UploadId, 'first');
      const second = await c.send(new CreateMultipartUploadCommand({ Bucket: 'staged', Key: 'second' }));
      expect(await errorOf(part(second.UploadId, 'second'))).toMatchObject({ name: 'QuotaExceeded', status: 403 });
      await c.send(new AbortMultipartUploadCommand({ Bucket: 'staged', Key: 'first', UploadId: first.UploadId }));
      const ETag = (await part(second.UploadId, 'second')).ETag!;
      await c.send(new CompleteMultipartUploadCommand({ Bucket: 'staged', Key: 'second', UploadId: second.UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }));
      const third = await c.send(new CreateMultipartUploadCommand({ Bucket: 'staged', Key: 'third' }));
      expect((await part(third.UploadId, 'third')).ETag).toBe(ETag);
    } finally {
      await small.close();
    }
  });

  it('serves presigned GETs until they expire, then refuses them with AccessDenied', async () => {
    const url = await getSignedUrl(alice, new GetObjectCommand({ Bucket: 'photos', Key: 'orig' }), { expiresIn: 60 });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('copy me');
    clockMs = Date.now() + 61_000;
    const late = await fetch(url);
    expect(late.status).toBe(403);
    const body = await late.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('Request has expired');
    clockMs = Date.now();
  });

  it('refuses wrong signatures, unknown keys and another user\'s bucket with S3\'s codes', async () => {
    const wrong = s3Client(s3.endpoint, { accessKeyId: s3.keys.alice.accessKeyId, secretAccessKey: 'not-the-secret-at-all-not-the-secret-at' });
    expect(await errorOf(wrong.send(new ListBucketsCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    const unknown = s3Client(s3.endpoint, { accessKeyId: 'CKAAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' });
    expect(await errorOf(unknown.send(new ListBucketsCommand({})))).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
    const bob = s3.client(s3.keys.bob);
    expect(await errorOf(bob.send(new GetObjectCommand({ Bucket: 'alice:photos', Key: 'orig' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(bob.send(new GetObjectCommand({ Bucket: 'photos', Key: 'orig' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
    expect((await (await fetch(`${s3.endpoint}/photos/orig`)).text())).toContain('<Code>AccessDenied</Code>');
    wrong.destroy();
    unknown.destroy();
  });
});
