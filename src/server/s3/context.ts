// What every S3 handler gets: the gateway's FileSystem (the same files the REST API and CLI see),
// the limits, and one call: who asked, for which bucket and key, with which parameters.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CumulusError } from '../../core/errors.js';
import type { FileSystem, Stat } from '../api/files.js';
import { homePath, parentPath } from '../api/paths.js';
import type { UploadSlots } from '../api/uploads.js';
import { S3Error } from './errors.js';
import type { AccessKeyLookup } from './keys.js';
import type { MultipartStore } from './multipart.js';
import type { Authenticated } from './sigv4.js';

export interface S3Context {
  fs: FileSystem;
  keys: AccessKeyLookup;
  multipart: MultipartStore;
  maxObjectBytes: number;
  uploadIdleMs: number;
  uploads: UploadSlots;
  nowMs(): number;
  /** Create the user's home on first use, as the REST gateway does. */
  ensureHome(user: string): Promise<void>;
}

export interface S3Call {
  ctx: S3Context;
  req: FastifyRequest;
  reply: FastifyReply;
  user: string;
  auth: Authenticated;
  /** The bucket named by the path (its owner's part removed), or '' for the service. */
  bucket: string;
  /** The object key, '' when the path names only the bucket. */
  key: string;
  query: Map<string, string>;
  requestId: string;
}

/** The directory behind the call's bucket: a top-level directory of the user's home. */
export function bucketPath(c: S3Call): string {
  return homePath(c.user, c.bucket);
}

/** The storage path of an object key (a key ending in `/` names the directory it marks). */
export function objectPath(c: S3Call, key = c.key): string {
  if (key === '' || key.startsWith('/')) throw new S3Error(400, 'InvalidArgument', 'object keys here may not be empty or start with /');
  return homePath(c.user, `${c.bucket}/${key}`);
}

/** The bucket's directory, or NoSuchBucket. */
export async function requireBucket(c: S3Call): Promise<Stat> {
  const st = await c.ctx.fs.stat(bucketPath(c)).catch((e: unknown) => {
    if (e instanceof CumulusError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  });
  if (!st || st.type !== 'directory') throw new S3Error(404, 'NoSuchBucket', `the bucket ${c.bucket} does not exist`);
  return st;
}

/**
 * Make the directories an object's key implies (S3 has none; `a/b/c` just needs `a` and `a/b` to
 * be directories here). The common case, a parent that exists, costs one stat.
 */
export async function ensureParents(c: S3Call, path: string): Promise<void> {
  const parent = parentPath(path);
  const st = await c.ctx.fs.stat(parent).catch(() => undefined);
  if (st?.type === 'directory') return;
  await c.ctx.fs.mkdir(parent, { parents: true });
}

/** After a delete, drop directories the delete left empty, up to the bucket (S3 has no empty prefixes). */
export async function pruneEmptyParents(c: S3Call, path: string): Promise<void> {
  const top = bucketPath(c);
  for (let dir = parentPath(path); dir.length > top.length && dir.startsWith(`${top}/`); dir = parentPath(dir)) {
    const page = await c.ctx.fs.list(dir, { limit: 1 }).catch(() => undefined);
    if (!page || page.entries.length > 0) return;
    const removed = await c.ctx.fs.rm(dir).then(() => true, () => false);
    if (!removed) return;
  }
}
