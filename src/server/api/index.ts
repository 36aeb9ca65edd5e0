// The REST gateway as a Fastify plugin. Mount it into any Fastify app (the rendezvous server's or a
// standalone one) with `await registerApi(app, { fs, users, nodes })`. It runs in its own
// encapsulated scope: its body handling (raw streams instead of parsed bodies), error format and
// hooks do not leak into the host app's other routes.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MAX_OBJECT_BYTES } from '../../services/storage/constants.js';
import { HttpError, toErrorAnswer } from './errors.js';
import type { FileSystem } from './files.js';
import type { HomeContext } from './home.js';
import type { NodeRegistry } from './nodes.js';
import { buildOpenApi } from './openapi.js';
import { routeTable, type RouteSpec } from './routes.js';
import { UsageTracker } from './usage.js';
import { DEFAULT_UPLOAD_IDLE_MS, DEFAULT_UPLOADS_PER_USER, UploadSlots } from './uploads.js';
import type { UserStore } from './users.js';
import type { CloudDoor } from './cloud-routes.js';
import type { JobsClient } from '../../services/jobs/engine/client.js';

export { peerCloudDoor, type CloudDoor } from './cloud-routes.js';
export { LocalFileSystem } from './local-fs.js';
export { RingFileSystem } from './ring-fs.js';
export { FileUserStore, tokenUser, type UserStore } from './users.js';
export { MemoryNodeRegistry, type NodeInfo, type NodeRegistry } from './nodes.js';
export type { FileSystem, FileStat, Stat, ListPage, Usage, ByteRange } from './files.js';

/** Objects larger than this are refused unless the host says otherwise: storage's own limit (1 GiB). */
export const DEFAULT_MAX_OBJECT_BYTES = MAX_OBJECT_BYTES;

export interface ApiOptions {
  fs: FileSystem;
  users: UserStore;
  nodes: NodeRegistry;
  maxObjectBytes?: number;
  /** Wall clock for the access log; injectable for tests. */
  nowMs?: () => number;
  usage?: UsageTracker;
  /** An upload whose body stops arriving this long is ended with 408 (default 30 s). */
  uploadIdleMs?: number;
  /** Uploads one user may have in flight; more are refused with 429 (default 4). */
  uploadsPerUser?: number;
  /** The jobs client of the gateway's peer (null while it is not on the ring); without it the jobs routes answer 503. */
  jobs?: () => JobsClient | null;
  /** The gateway's peer's estimates and slices (null while it is not on the ring); without it /stats and the slices routes answer 501. */
  cloud?: () => CloudDoor | null;
}

interface RouteConfig {
  cumulusAuth: RouteSpec['auth'];
}

const principal = new WeakMap<FastifyRequest, string>();

/** The user a request was authenticated as (undefined for public routes or refused requests). */
export function requestUser(req: FastifyRequest): string | undefined {
  return principal.get(req);
}

async function authenticate(
  users: UserStore, req: FastifyRequest, auth: RouteSpec['auth'], ensureHome: (user: string) => Promise<void>,
): Promise<void> {
  if (auth === 'none') return;
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m?.[1]) throw new HttpError(401, 'Unauthorized', 'a bearer token is required (Authorization: Bearer <token>)');
  const user = await users.authenticate(m[1]);
  if (!user) throw new HttpError(401, 'Unauthorized', 'the bearer token is not known to this server');
  principal.set(req, user);
  await ensureHome(user);
  const owner = (req.params as { user?: string }).user;
  if (auth === 'owner' && owner !== user) {
    throw new HttpError(403, 'Forbidden', `user ${user} may not access the files of ${String(owner).slice(0, 40)}`);
  }
}

export const apiPlugin: FastifyPluginAsync<ApiOptions> = async (scope, opts) => {
  const nowMs = opts.nowMs ?? (() => Date.now());
  const ctx: HomeContext = {
    fs: opts.fs,
    nodes: opts.nodes,
    usage: opts.usage ?? new UsageTracker(),
    maxObjectBytes: opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES,
    bytesIn: new WeakMap(),
    uploadIdleMs: opts.uploadIdleMs ?? DEFAULT_UPLOAD_IDLE_MS,
    uploads: new UploadSlots(opts.uploadsPerUser ?? DEFAULT_UPLOADS_PER_USER),
    ...(opts.jobs && { jobs: opts.jobs }),
    ...(opts.cloud && { cloud: opts.cloud }),
  };
  // A user's home is created on the first authenticated request, so `cumulus user add` needs no
  // access to storage. The set of homes known to exist is bounded by the number of users.
  const homes = new Set<string>();
  const ensureHome = async (user: string): Promise<void> => {
    if (homes.has(user)) return;
    await ctx.fs.mkdir(`/${user}/home`, { parents: true });
    homes.add(user);
  };

  // Handlers read request.raw themselves, so bodies stream instead of being buffered and parsed.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  scope.setErrorHandler(async (error, req, reply) => {
    const answer = toErrorAnswer(error);
    if (answer.status >= 500) req.log.error({ err: error }, 'api request failed');
    // A request whose body was not read to its end (an upload refused midway) ends its
    // connection with this answer: the rest of the body is never read, and a connection left
    // open and paused would linger (until Node's request timeout) and hold up the server's close.
    if (!req.raw.complete) reply.header('connection', 'close');
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    if (req.method === 'HEAD') return reply.code(answer.status).send();
    return reply.code(answer.status).type('application/json').send(answer.body);
  });

  scope.addHook('onRequest', async (req) => {
    const auth = (req.routeOptions.config as Partial<RouteConfig>).cumulusAuth ?? 'any';
    await authenticate(opts.users, req, auth, ensureHome);
  });

  scope.addHook('onResponse', async (req, reply) => {
    const user = principal.get(req);
    if (!user) return;
    const out = Number(reply.getHeader('content-length') ?? 0);
    ctx.usage.record(user, {
      timeMs: nowMs(), method: req.method, path: req.url.slice(0, 512), status: reply.statusCode,
      bytesIn: ctx.bytesIn.get(req) ?? 0, bytesOut: Number.isFinite(out) && req.method !== 'HEAD' ? out : 0,
      durationMs: Math.round(reply.elapsedTime),
    });
  });

  const routes = routeTable();
  // If the host app already treats `/x` and `/x/` alike, registering both would be a duplicate.
  const ignoreSlash = scope.initialConfig.ignoreTrailingSlash === true;
  for (const spec of routes) {
    const urls = ignoreSlash ? [...new Set(spec.urls.map((u) => (u.length > 1 ? u.replace(/\/$/, '') : u)))] : spec.urls;
    for (const url of urls) {
      scope.route({
        method: spec.method, url, schema: spec.schema, exposeHeadRoute: false,
        config: { cumulusAuth: spec.auth } satisfies RouteConfig,
        handler: (req, reply) => spec.handler(ctx, req, reply),
      });
    }
  }
  const doc = buildOpenApi(routes, { title: 'Cumulus', version: '0.1.0' });
  scope.get('/openapi.json', { config: { cumulusAuth: 'none' } satisfies RouteConfig }, async (_req, reply) => {
    reply.type('application/json');
    return doc;
  });
};

/** Mount the REST API on an app. Call before `app.listen()`. */
export async function registerApi(app: FastifyInstance, opts: ApiOptions): Promise<void> {
  await app.register(apiPlugin, opts);
}
