// The S3-compatible door as a Fastify plugin: path-style requests (`/bucket/key`) under a prefix
// on the server's port (`/s3`) or at the root of a port of its own (`--s3-port`). Every request is
// signed with Signature V4 by a user's access key (sigv4.ts); buckets are the user's top-level
// directories and objects the files under them, the same ones the REST API and the CLI see.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { FileSystem } from '../api/files.js';
import { DEFAULT_MAX_OBJECT_BYTES } from '../api/index.js';
import { DEFAULT_UPLOAD_IDLE_MS, UploadSlots } from '../api/uploads.js';
import { bucketLocation, createBucket, deleteBucket, headBucket, listBucket, listBuckets } from './buckets.js';
import type { S3Call, S3Context } from './context.js';
import { S3Error, toS3Error } from './errors.js';
import type { AccessKeyLookup } from './keys.js';
import { abortUpload, completeUpload, createUpload, listParts, uploadPart } from './multipart-ops.js';
import { MultipartStore } from './multipart.js';
import { deleteObject, deleteObjects, getObject, putObject, splitOwner } from './objects.js';
import { verifySigV4 } from './sigv4.js';
import { errorXml, xmlDocument } from './xml.js';

export { FileAccessKeyStore, type AccessKey } from './keys.js';

/** Uploads (objects and parts) one user may stream at once: clients upload several parts in parallel. */
export const DEFAULT_S3_UPLOADS_PER_USER = 16;
const MAX_QUERY_CHARS = 8192;
const MAX_QUERY_PARAMS = 64;
/** Sub-resources S3 has that this door does not keep (ACLs, policies, tags, …): 501, not a silent listing. */
const UNSUPPORTED = new Set(['acl', 'policy', 'cors', 'lifecycle', 'tagging', 'versions', 'website', 'logging', 'notification',
  'replication', 'encryption', 'object-lock', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'accelerate',
  'requestPayment', 'analytics', 'inventory', 'metrics', 'ownershipControls', 'publicAccessBlock', 'intelligent-tiering', 'attributes']);

export interface S3Options {
  fs: FileSystem;
  /** Access keys; with `users()`, uploads abandoned by those users are swept hourly (multipart.ts). */
  keys: AccessKeyLookup & { users?(): Promise<string[]> };
  maxObjectBytes?: number;
  uploadIdleMs?: number;
  uploadsPerUser?: number;
  /** Bytes the parts of one user's open multipart uploads may hold (DEFAULT_MAX_STAGED_BYTES_PER_USER). */
  maxStagedBytesPerUser?: number;
  nowMs?: () => number;
}

/** How often abandoned multipart uploads are looked for (they are removed a day after they began). */
const SWEEP_INTERVAL_MS = 3600_000;

const requestIds = new WeakMap<FastifyRequest, string>();

function parseQuery(text: string): Array<[string, string]> {
  if (text.length > MAX_QUERY_CHARS) throw new S3Error(400, 'InvalidArgument', `query strings are limited to ${MAX_QUERY_CHARS} characters`);
  const pairs = text === '' ? [] : text.split('&');
  if (pairs.length > MAX_QUERY_PARAMS) throw new S3Error(400, 'InvalidArgument', `at most ${MAX_QUERY_PARAMS} query parameters`);
  try {
    return pairs.filter((p) => p !== '').map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [decodeURIComponent(p), ''] : [decodeURIComponent(p.slice(0, eq)), decodeURIComponent(p.slice(eq + 1))];
    });
  } catch {
    throw new S3Error(400, 'InvalidArgument', 'the query string is not percent-encoded correctly');
  }
}

function decodePart(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error(400, 'InvalidArgument', `the ${what} is not percent-encoded correctly`);
  }
}

type Handler = (c: S3Call) => Promise<unknown>;

function notImplemented(what: string): Handler {
  return () => Promise.reject(new S3Error(501, 'NotImplemented', `${what} is not supported by this S3 door`));
}

/** Which operation a request is: by method, by whether it names a bucket and a key, by sub-resource. */
function route(method: string, bucket: string, key: string, q: Map<string, string>): Handler {
  const sub = [...q.keys()].find((k) => UNSUPPORTED.has(k));
  if (sub) return notImplemented(`the ${sub} sub-resource`);
  if (bucket === '') return method === 'GET' ? listBuckets : notImplemented(`${method} on the service`);
  if (key === '') {
    if (method === 'GET' && q.has('location')) return bucketLocation;
    if (method === 'GET' && q.has('versioning')) return async (c) => c.reply.type('application/xml').send(xmlDocument('VersioningConfiguration', {}));
    if (method === 'GET' && q.has('uploads')) return notImplemented('ListMultipartUploads');
    if (method === 'GET') return listBucket;
    if (method === 'HEAD') return headBucket;
    if (method === 'PUT') return createBucket;
    if (method === 'DELETE') return deleteBucket;
    if (method === 'POST' && q.has('delete')) return deleteObjects;
    return notImplemented(`${method} on a bucket`);
  }
  const upload = q.has('uploadId');
  if (method === 'PUT') return upload ? uploadPart : putObject;
  if (method === 'GET') return upload ? listParts : (c) => getObject(c, false);
  if (method === 'HEAD') return (c) => getObject(c, true);
  if (method === 'DELETE') return upload ? abortUpload : deleteObject;
  if (method === 'POST' && q.has('uploads')) return createUpload;
  if (method === 'POST' && upload) return completeUpload;
  return notImplemented(`${method} on an object`);
}

async function handle(ctx: S3Context, prefix: string, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const url = req.raw.url ?? '/';
  const qAt = url.indexOf('?');
  const rawPath = qAt < 0 ? url : url.slice(0, qAt);
  const pairs = parseQuery(qAt < 0 ? '' : url.slice(qAt + 1));
  const auth = await verifySigV4({ method: req.method, rawPath, query: pairs, headers: req.headers, nowMs: ctx.nowMs() }, ctx.keys);
  const user = auth.key.user;
  await ctx.ensureHome(user);
  const rel = rawPath.slice(prefix.length).replace(/^\//, '');
  const slash = rel.indexOf('/');
  const [owner, bucket] = splitOwner(decodePart(slash < 0 ? rel : rel.slice(0, slash), 'bucket name'));
  if (owner !== undefined && owner !== user) throw new S3Error(403, 'AccessDenied', `the bucket ${owner}:${bucket} belongs to another user`);
  if (bucket.includes('/') || bucket === '.' || bucket === '..') throw new S3Error(400, 'InvalidBucketName', 'not a bucket name');
  const key = slash < 0 ? '' : decodePart(rel.slice(slash + 1), 'key');
  const query = new Map(pairs);
  const call: S3Call = { ctx, req, reply, user, auth, bucket, key, query, requestId: requestIds.get(req) ?? '' };
  return route(req.method, bucket, key, query)(call);
}

export const s3Plugin: FastifyPluginAsync<S3Options & { mountPath: string }> = async (scope, opts) => {
  const fs = opts.fs;
  const homes = new Set<string>();
  const maxObjectBytes = opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  const nowMs = opts.nowMs ?? (() => Date.now());
  const ctx: S3Context = {
    fs, keys: opts.keys, maxObjectBytes, nowMs,
    multipart: new MultipartStore(fs, maxObjectBytes, nowMs, opts.maxStagedBytesPerUser),
    uploadIdleMs: opts.uploadIdleMs ?? DEFAULT_UPLOAD_IDLE_MS,
    uploads: new UploadSlots(opts.uploadsPerUser ?? DEFAULT_S3_UPLOADS_PER_USER),
    ensureHome: async (user) => {
      if (homes.has(user)) return;
      await fs.mkdir(`/${user}/home`, { parents: true });
      homes.add(user);
    },
  };
  // Abandoned multipart uploads of users with keys go after a day, even if the user never returns.
  const keys = opts.keys;
  if (keys.users) {
    const sweep = setInterval(() => {
      void (async () => {
        for (const user of await keys.users!()) await ctx.multipart.sweepUser(user).catch(() => 0);
      })().catch(() => undefined);
    }, SWEEP_INTERVAL_MS);
    sweep.unref();
    scope.addHook('onClose', async () => clearInterval(sweep));
  }
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  scope.addHook('onRequest', async (req, reply) => {
    // The server's request id (logging.ts), so an S3 error's RequestId finds its log line.
    const id = typeof req.id === 'string' && req.id !== '' ? req.id : randomBytes(8).toString('hex');
    requestIds.set(req, id);
    reply.header('x-amz-request-id', id);
  });
  scope.setErrorHandler(async (error, req, reply) => {
    const err = toS3Error(error);
    if (err.status >= 500) req.log.error({ err: error }, 's3 request failed');
    if (!req.raw.complete) reply.header('connection', 'close');
    for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
    reply.code(err.status);
    if (req.method === 'HEAD') return reply.send();
    return reply.type('application/xml').send(errorXml(err.code, err.message, (req.raw.url ?? '').split('?')[0]!.slice(0, 1024), requestIds.get(req) ?? ''));
  });
  for (const url of ['/', '/*']) {
    scope.route({
      method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], url, exposeHeadRoute: false,
      handler: (req, reply) => handle(ctx, opts.mountPath, req, reply),
    });
  }
};

/** Mount the S3 door on `app` under `prefix` ('' for the root of a port of its own). */
export async function registerS3(app: FastifyInstance, opts: S3Options, prefix: string): Promise<void> {
  await app.register(s3Plugin, { ...opts, mountPath: prefix, ...(prefix ? { prefix } : {}) });
}
