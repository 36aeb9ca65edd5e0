// Proves the S3 door checks the signature of an aws-chunked body's trailers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER): a body signed as the SigV4 spec says is stored, and a changed, missing or wrongly keyed x-amz-trailer-signature is refused with SignatureDoesNotMatch and stores nothing.
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newChecksum } from './checksums.js';
import { NodeSha256 } from './sigv4.js';
import { startTestS3, type TestS3 } from './test-util/s3-gateway.js';

const REGION = 'us-east-1';
let s3: TestS3;
let alice: S3Client;

beforeAll(async () => {
  s3 = await startTestS3({});
  alice = s3.client(s3.keys.alice);
  await alice.send(new CreateBucketCommand({ Bucket: 'trailers' }));
});
afterAll(async () => s3?.close());

const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

interface SignedUpload { headers: Record<string, string>; body: Buffer }

/** How the body's trailers are spoiled: not at all, a changed signature, none, or another key's. */
type Spoil = 'none' | 'flip' | 'omit' | 'other-key';

/**
 * A PUT signed the way the AWS SDKs for Java and Go sign a streaming upload with a checksum
 * trailer, written here from the spec rather than with the server's code: the request's signature
 * seeds the chain, each chunk's signature chains from the one before, and the trailer signature
 * chains from the final empty chunk's.
 */
async function signedUpload(path: string, data: Buffer, chunkBytes: number, spoil: Spoil): Promise<SignedUpload> {
  const { accessKeyId, secretAccessKey } = s3.keys.alice;
  const url = new URL(s3.endpoint);
  const crc = newChecksum('crc32');
  crc.update(data);
  const trailerLine = `x-amz-checksum-crc32:${crc.digestBase64()}`;
  const req = {
    method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path,
    headers: {
      host: url.host, 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': 'x-amz-checksum-crc32',
    },
  };
  const signer = new SignatureV4({ service: 's3', region: REGION, sha256: NodeSha256, credentials: { accessKeyId, secretAccessKey }, uriEscapePath: false });
  const signed = await signer.sign(req);
  const headers = signed.headers as Record<string, string>;
  const longDate = headers['x-amz-date']!;
  const scope = `${longDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const keyOf = (secret: string) => hmac(hmac(hmac(hmac(`AWS4${secret}`, longDate.slice(0, 8)), REGION), 's3'), 'aws4_request');
  const key = keyOf(secretAccessKey);
  let previous = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
  const pieces: Buffer[] = [];
  for (let at = 0; ; at += chunkBytes) {
    const chunk = data.subarray(at, at + chunkBytes);
    previous = hmac(key, ['AWS4-HMAC-SHA256-PAYLOAD', longDate, scope, previous, sha256Hex(''), sha256Hex(chunk)].join('\n')).toString('hex');
    pieces.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk);
    if (chunk.length === 0) break;
    pieces.push(Buffer.from('\r\n'));
  }
  const trailerKey = spoil === 'other-key' ? keyOf(s3.keys.bob.secretAccessKey) : key;
  let trailerSig = hmac(trailerKey, ['AWS4-HMAC-SHA256-TRAILER', longDate, scope, previous, sha256Hex(`${trailerLine}\n`)].join('\n')).toString('hex');
  if (spoil === 'flip') trailerSig = `${trailerSig[0] === '0' ? '1' : '0'}${trailerSig.slice(1)}`;
  pieces.push(Buffer.from(`${trailerLine}\r\n${spoil === 'omit' ? '' : `x-amz-trailer-signature:${trailerSig}\r\n`}\r\n`));
  const body = Buffer.concat(pieces);
  return { headers: { ...headers, 'content-length': String(body.length) }, body };
}

function send(path: string, up: SignedUpload): Promise<{ status: number; text: string }> {
  const url = new URL(s3.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ method: 'PUT', host: url.hostname, port: url.port, path, headers: up.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (p: Buffer) => parts.push(p));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(up.body);
  });
}

async function stored(key: string): Promise<Buffer | undefined> {
  try {
    const got = await alice.send(new GetObjectCommand({ Bucket: 'trailers', Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

describe('signed trailers of aws-chunked uploads', () => {
  const data = Buffer.alloc(150_000, 7);

  it('stores a body whose chunks and trailer are signed as the spec says', async () => {
    const path = '/trailers/good';
    const answer = await send(path, await signedUpload(path, data, 65_536, 'none'));
    expect(answer.status).toBe(200);
    expect((await stored('good'))?.equals(data)).toBe(true);
  });

  it('refuses a changed, missing or other key\'s trailer signature with SignatureDoesNotMatch, storing nothing', async () => {
    for (const spoil of ['flip', 'omit', 'other-key'] as const) {
      const path = `/trailers/bad-${spoil}`;
      const answer = await send(path, await signedUpload(path, data, 65_536, spoil));
      expect({ spoil, status: answer.status, code: /<Code>([^<]+)<\/Code>/.exec(answer.text)?.[1] }).toEqual({ spoil, status: 403, code: 'SignatureDoesNotMatch' });
      expect(await stored(`bad-${spoil}`)).toBeUndefined();
    }
  });
});
