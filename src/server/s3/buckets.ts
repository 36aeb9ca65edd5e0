// Bucket operations: ListBuckets (the user's top-level directories), CreateBucket, HeadBucket,
// DeleteBucket, GetBucketLocation and ListObjects v1 and v2.
import { CumulusError } from '../../core/errors.js';
import { homePath } from '../api/paths.js';
import { drainBody } from './body.js';
import { bucketPath, requireBucket, type S3Call } from './context.js';
import { s3Etag } from './etag.js';
import { S3Error } from './errors.js';
import { listObjects } from './listing.js';
import { xmlDocument } from './xml.js';

/** S3's cap on keys per listing page. */
export const MAX_KEYS = 1000;
/** A CreateBucket body (CreateBucketConfiguration) is a few hundred bytes. */
const MAX_CREATE_BODY_BYTES = 64 * 1024;
/** S3's bucket naming rule, for buckets made through S3 (directories made otherwise may differ). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Buckets listed at most (S3's own default quota is far lower). */
const MAX_BUCKETS_LISTED = 10_000;
const owner = (user: string) => ({ ID: user, DisplayName: user });

export async function listBuckets(c: S3Call): Promise<void> {
  const home = homePath(c.user, '');
  const buckets: Array<{ Name: string; CreationDate: string }> = [];
  let marker: string | undefined;
  do {
    const page = await c.ctx.fs.list(home, { limit: 1000, ...(marker !== undefined ? { marker } : {}) });
    for (const s of page.entries) if (s.type === 'directory') buckets.push({ Name: s.name, CreationDate: new Date(s.mtimeMs).toISOString() });
    marker = page.next;
  } while (marker !== undefined && buckets.length < MAX_BUCKETS_LISTED);
  c.reply.code(200).type('application/xml').send(xmlDocument('ListAllMyBucketsResult', { Owner: owner(c.user), Buckets: { Bucket: buckets } }));
}

export async function createBucket(c: S3Call): Promise<void> {
  if (!BUCKET_NAME.test(c.bucket)) throw new S3Error(400, 'InvalidBucketName', 'bucket names are 3 to 63 lower-case letters, digits, dots and hyphens');
  await drainBody(c, MAX_CREATE_BODY_BYTES);
  const existing = await c.ctx.fs.stat(bucketPath(c)).catch(() => undefined);
  if (existing?.type === 'directory') throw new S3Error(409, 'BucketAlreadyOwnedByYou', `you already own the bucket ${c.bucket}`);
  await c.ctx.fs.mkdir(bucketPath(c), { parents: true });
  c.reply.header('location', `/${c.bucket}`).code(200).send();
}

export async function headBucket(c: S3Call): Promise<void> {
  await requireBucket(c);
  c.reply.header('x-amz-bucket-region', 'us-east-1').code(200).send();
}

export async function deleteBucket(c: S3Call): Promise<void> {
  await requireBucket(c);
  try {
    await c.ctx.fs.rm(bucketPath(c));
  } catch (e) {
    if (e instanceof CumulusError && e.code === 'DIRECTORY_NOT_EMPTY') throw new S3Error(409, 'BucketNotEmpty', `the bucket ${c.bucket} is not empty`);
    throw e;
  }
  c.reply.code(204).send();
}

export async function bucketLocation(c: S3Call): Promise<void> {
  await requireBucket(c);
  // us-east-1 is written as an empty LocationConstraint, which every client reads as the default.
  c.reply.code(200).type('application/xml').send(xmlDocument('LocationConstraint', {}));
}

function param(c: S3Call, name: string, maxChars: number): string {
  const v = c.query.get(name) ?? '';
  if (v.length > maxChars) throw new S3Error(400, 'InvalidArgument', `${name} is longer than ${maxChars} characters`);
  return v;
}

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (token !== '' && Buffer.from(text, 'utf8').toString('base64url') !== token) throw new S3Error(400, 'InvalidArgument', 'the continuation token is not one this server gave out');
  return text;
}

export async function listBucket(c: S3Call): Promise<void> {
  await requireBucket(c);
  const v2 = c.query.get('list-type') === '2';
  const maxKeysText = c.query.get('max-keys') ?? String(MAX_KEYS);
  const maxKeys = Math.min(Number(maxKeysText), MAX_KEYS);
  if (!/^\d{1,7}$/.test(maxKeysText)) throw new S3Error(400, 'InvalidArgument', 'max-keys must be a whole number');
  const prefix = param(c, 'prefix', 1024);
  const delimiter = param(c, 'delimiter', 16);
  const encodeUrl = c.query.get('encoding-type') === 'url';
  const token = param(c, 'continuation-token', 2048);
  const startAfter = v2 ? (token !== '' ? decodeToken(token) : param(c, 'start-after', 1024)) : param(c, 'marker', 1024);
  const r = await listObjects(c.ctx.fs, { bucketPath: bucketPath(c), prefix, delimiter, maxKeys, startAfter });
  const enc = (s: string) => (encodeUrl ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const contents = r.objects.map(({ key, stat }) => ({
    Key: enc(key), LastModified: new Date(stat.mtimeMs).toISOString(), ETag: `"${s3Etag(stat)}"`, Size: stat.sizeBytes, StorageClass: 'STANDARD',
    ...(v2 ? {} : { Owner: owner(c.user) }),
  }));
  const paging = v2
    ? { KeyCount: contents.length + r.prefixes.length, ...(token ? { ContinuationToken: token } : {}), ...(r.next !== undefined ? { NextContinuationToken: Buffer.from(r.next, 'utf8').toString('base64url') } : {}), ...(c.query.has('start-after') ? { StartAfter: enc(startAfter) } : {}) }
    : { Marker: enc(startAfter), ...(r.next !== undefined ? { NextMarker: enc(r.next) } : {}) };
  c.reply.code(200).type('application/xml').send(xmlDocument('ListBucketResult', {
    Name: c.bucket, Prefix: enc(prefix), ...(delimiter ? { Delimiter: enc(delimiter) } : {}), MaxKeys: maxKeys, IsTruncated: r.truncated,
    ...(encodeUrl ? { EncodingType: 'url' } : {}), ...paging,
    Contents: contents, CommonPrefixes: r.prefixes.map((p) => ({ Prefix: enc(p) })),
  }));
}
