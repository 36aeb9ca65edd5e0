// Object operations: PutObject, CopyObject, GetObject, HeadObject, DeleteObject, DeleteObjects.
// An object is a file in the bucket's directory; its key's slashes are directories. Bodies stream
// both ways through the same FileSystem calls the REST gateway makes.
import { CumulusError } from '../../core/errors.js';
import { REPLICAS } from '../../services/storage/constants.js';
import type { FileStat, Stat } from '../api/files.js';
import { etagMatches, parseRange, sendBody } from '../api/home.js';
import { uploadBody, drainBody } from './body.js';
import { ensureParents, objectPath, pruneEmptyParents, requireBucket, type S3Call } from './context.js';
import { EMPTY_MD5, s3Etag } from './etag.js';
import { S3Error, toS3Error } from './errors.js';
import { parseXml, readSmallBody, xmlDocument, xmlText } from './xml.js';

/** S3's limit on keys per DeleteObjects request, and a byte limit on its XML body. */
export const MAX_DELETE_KEYS = 1000;
const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;

const isMarker = (key: string) => key.endsWith('/');

/** A key that is not there is NoSuchKey, or NoSuchBucket when its bucket is not there either. */
function notFoundAsNoSuchKey(c: S3Call) {
  return async (e: unknown): Promise<never> => {
    if (e instanceof CumulusError && (e.code === 'NOT_FOUND' || e.code === 'NOT_A_DIRECTORY')) {
      await requireBucket(c);
      throw new S3Error(404, 'NoSuchKey', `the key ${c.key.slice(0, 200)} does not exist`);
    }
    throw e;
  };
}

/**
 * The object (or, for a key ending in `/`, the directory it marks) behind the call. The bucket is
 * looked at only when the key is missing: a read costs one metadata request, as through REST.
 */
async function statObject(c: S3Call): Promise<Stat> {
  const st = await c.ctx.fs.stat(objectPath(c)).catch(notFoundAsNoSuchKey(c));
  if (st.type === 'directory' && !isMarker(c.key)) throw new S3Error(404, 'NoSuchKey', `the key ${c.key.slice(0, 200)} does not exist (it is a prefix)`);
  if (st.type === 'object' && isMarker(c.key)) throw new S3Error(404, 'NoSuchKey', `the key ${c.key.slice(0, 200)} does not exist`);
  return st;
}

function objectHeaders(c: S3Call, st: Stat): void {
  c.reply.header('last-modified', new Date(st.mtimeMs).toUTCString());
  c.reply.header('etag', `"${s3Etag(st)}"`);
  c.reply.header('accept-ranges', 'bytes');
  c.reply.header('content-type', st.contentType ?? (st.type === 'directory' ? 'application/x-directory' : 'application/octet-stream'));
}

export async function putObject(c: S3Call): Promise<void> {
  if (c.req.headers['x-amz-copy-source'] !== undefined) return copyObject(c);
  await requireBucket(c);
  const path = objectPath(c);
  if (isMarker(c.key)) {
    if ((await drainBody(c, 0)) > 0) throw new S3Error(400, 'InvalidRequest', 'a key ending in / marks a directory and takes no body');
    await c.ctx.fs.mkdir(path, { parents: true });
    c.reply.header('etag', `"${EMPTY_MD5}"`).code(200).send();
    return;
  }
  await ensureParents(c, path);
  const release = c.ctx.uploads.acquire(c.user);
  try {
    const upload = uploadBody(c);
    const contentType = c.req.headers['content-type'];
    await c.ctx.fs.put(path, upload.body, {
      replicas: REPLICAS.default, maxBytes: c.ctx.maxObjectBytes,
      ...(upload.sizeBytes !== undefined ? { sizeBytes: upload.sizeBytes } : {}),
      ...(contentType ? { contentType } : {}),
      // S3's ETag of a single-part upload is its MD5: kept with the object, so GET, HEAD and listings give it too.
      md5: () => upload.md5Hex(),
    }).catch((e: unknown) => {
      throw upload.failure() ?? e;
    });
    c.reply.header('etag', `"${upload.md5Hex()}"`).code(200).send();
  } finally {
    release();
  }
}

/** The bucket and key of x-amz-copy-source (`bucket/key` or `/bucket/key`, percent-encoded). */
function copySource(c: S3Call): { bucket: string; key: string } {
  const raw = String(c.req.headers['x-amz-copy-source']);
  if (raw.length > 4096) throw new S3Error(400, 'InvalidArgument', 'x-amz-copy-source is too long');
  let text: string;
  try {
    text = decodeURIComponent(raw.split('?')[0]!.replace(/^\//, ''));
  } catch {
    throw new S3Error(400, 'InvalidArgument', 'x-amz-copy-source is not percent-encoded correctly');
  }
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) throw new S3Error(400, 'InvalidArgument', 'x-amz-copy-source must read bucket/key');
  const [owner, bucket] = splitOwner(text.slice(0, slash));
  if (owner !== undefined && owner !== c.user) throw new S3Error(403, 'AccessDenied', `the bucket ${bucket} belongs to another user`);
  return { bucket, key: text.slice(slash + 1) };
}

/** A bucket may be named as `owner:bucket`; only its owner may use it. */
export function splitOwner(name: string): [string | undefined, string] {
  const colon = name.indexOf(':');
  return colon < 0 ? [undefined, name] : [name.slice(0, colon), name.slice(colon + 1)];
}

async function copyObject(c: S3Call): Promise<void> {
  const src = copySource(c);
  const from: S3Call = { ...c, bucket: src.bucket, key: src.key };
  await requireBucket(c);
  const srcStat = await statObject(from);
  if (srcStat.type !== 'object') throw new S3Error(400, 'InvalidRequest', 'a directory marker cannot be copied');
  await drainBody(c, 0);
  const path = objectPath(c);
  await ensureParents(c, path);
  const { body } = await c.ctx.fs.get(objectPath(from), undefined, srcStat);
  const replaced = c.req.headers['x-amz-metadata-directive'] === 'REPLACE' ? c.req.headers['content-type'] : undefined;
  const contentType = replaced ?? srcStat.contentType;
  const stat: FileStat = await c.ctx.fs.put(path, body, {
    replicas: srcStat.replicas ?? REPLICAS.default, maxBytes: c.ctx.maxObjectBytes, sizeBytes: srcStat.sizeBytes,
    ...(contentType ? { contentType } : {}),
    // The same bytes: the copy keeps the source's MD5 (an S3 copy's ETag is the source's).
    ...(srcStat.md5 !== undefined ? { md5: () => srcStat.md5 } : {}),
  });
  const xml = xmlDocument('CopyObjectResult', { LastModified: new Date(stat.mtimeMs).toISOString(), ETag: `"${s3Etag(stat)}"` });
  c.reply.code(200).type('application/xml').send(xml);
}

export async function getObject(c: S3Call, head: boolean): Promise<unknown> {
  const st = await statObject(c);
  objectHeaders(c, st);
  const etag = s3Etag(st);
  if (st.type === 'object' && etagMatches(c.req.headers['if-none-match'], etag)) return c.reply.code(304).send();
  const ifMatch = c.req.headers['if-match'];
  if (ifMatch !== undefined && (st.type !== 'object' || !etagMatches(ifMatch, etag))) throw new S3Error(412, 'PreconditionFailed', 'If-Match does not match the object\'s ETag');
  const range = head || st.type !== 'object' ? undefined : parseRange(c.req.headers.range, st.sizeBytes);
  if (range === 'unsatisfiable') throw new S3Error(416, 'InvalidRange', 'the requested range is not satisfiable', { 'content-range': `bytes */${st.sizeBytes}` });
  const length = range ? range.end - range.start + 1 : st.sizeBytes;
  c.reply.header('content-length', String(length));
  if (head || st.type !== 'object' || length === 0) return c.reply.code(200).send();
  const { body } = await c.ctx.fs.get(objectPath(c), range, st);
  if (range) c.reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${st.sizeBytes}`);
  return sendBody(c.reply, body);
}

/** Remove one key; a key that is not there is not an error (S3 answers 204 either way). */
async function deleteKey(c: S3Call, key: string): Promise<void> {
  const path = objectPath(c, key);
  try {
    const st = await c.ctx.fs.stat(path);
    if ((st.type === 'directory') !== isMarker(key)) return;
    await c.ctx.fs.rm(path);
  } catch (e) {
    if (e instanceof CumulusError && (e.code === 'NOT_FOUND' || e.code === 'NOT_A_DIRECTORY' || e.code === 'DIRECTORY_NOT_EMPTY')) return;
    throw e;
  }
  await pruneEmptyParents(c, path);
}

export async function deleteObject(c: S3Call): Promise<void> {
  await requireBucket(c);
  await deleteKey(c, c.key);
  c.reply.code(204).send();
}

export async function deleteObjects(c: S3Call): Promise<void> {
  await requireBucket(c);
  const doc = parseXml((await readSmallBody(uploadBody(c).body, MAX_DELETE_BODY_BYTES)).toString('utf8'));
  const del = doc.Delete as { Object?: Array<{ Key?: unknown }>; Quiet?: unknown } | undefined;
  if (!del || typeof del !== 'object') throw new S3Error(400, 'MalformedXML', 'the body must be a Delete element');
  const objects = del.Object ?? [];
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw new S3Error(400, 'MalformedXML', `a Delete names 1 to ${MAX_DELETE_KEYS} objects`);
  const quiet = del.Quiet !== undefined && xmlText(del.Quiet, 'Quiet') === 'true';
  const keys = objects.map((o) => xmlText(o?.Key, 'Object.Key'));
  const deleted: Array<{ Key: string }> = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const key of keys) {
    try {
      await deleteKey(c, key);
      if (!quiet) deleted.push({ Key: key });
    } catch (e) {
      const err = toS3Error(e);
      errors.push({ Key: key, Code: err.code, Message: err.message });
    }
  }
  c.reply.code(200).type('application/xml').send(xmlDocument('DeleteResult', { Deleted: deleted, Error: errors }));
}
