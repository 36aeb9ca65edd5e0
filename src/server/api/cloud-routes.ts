// The cloud's own door: its network-wide estimates (GET /stats, what the gateway's peer learned by
// gossip: peers, totals, means, maxima, decile thresholds) and a user's slices (named groups of
// peers with a ring of their own, kept by the slice directory on the ring). Registered and
// documented like every other route (routes.ts, openapi.ts). A gateway without a peer of its own
// answers 501, and 503 while its peer is not on the ring or has not finished a gossip epoch.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ATTRIBUTE_NAMES } from '../../gossip/attributes.js';
import type { GossipService } from '../../gossip/service.js';
import type { Peer } from '../../peer/peer.js';
import { MAX_SLICE_SIZE } from '../../services/slices/constants.js';
import { SliceName, SliceRecord, SliceSummary } from '../../services/slices/messages.js';
import type { SliceService } from '../../services/slices/service.js';
import { HttpError } from './errors.js';
import type { HomeContext } from './home.js';
import type { RouteSpec } from './routes.js';
import { UserParam, UserParams } from './schemas.js';

/** What the gateway's peer offers this door: its gossip estimates and the slices client. */
export interface CloudDoor {
  gossip: GossipService;
  slices: SliceService;
}

/** The door of a peer that runs gossip and is on the ring, else null (the routes answer 503). */
export function peerCloudDoor(peer: Peer | null | undefined): CloudDoor | null {
  return peer?.gossip && peer.slices && peer.base.isJoined() ? { gossip: peer.gossip, slices: peer.slices } : null;
}

const Attrs = Type.Object(Object.fromEntries(ATTRIBUTE_NAMES.map((n) => [n, Type.Number()])));
export const Stats = Type.Object({
  peers: Type.Integer({ description: 'the estimated number of peers in the cloud' }),
  epoch: Type.Integer({ description: 'the gossip epoch the estimates come from (one every 30 s)' }),
  sum: Attrs, mean: Attrs, max: Attrs,
  sliceBy: Type.String({ description: 'the attribute the deciles rank peers by' }),
  deciles: Type.Array(Type.Number(), { description: 'the values of sliceBy at the 10%, 20% … 90% points' }),
  via: Type.Object({
    peer: Type.String(), decile: Type.Integer(), viewSize: Type.Integer(),
    gossipSent: Type.Integer(), gossipRefused: Type.Integer(),
  }, { description: 'the gateway\'s own peer, whose estimates these are' }),
});

const SliceParams = Type.Object({ user: UserParam, name: SliceName });
const CreateQuery = Type.Object({
  size: Type.Integer({ minimum: 1, maximum: MAX_SLICE_SIZE, description: 'peers in the slice' }),
  top: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'only peers in this top fraction (by deciles)' })),
  by: Type.Optional(Type.Union(ATTRIBUTE_NAMES.map((n) => Type.Literal(n)), { description: 'the attribute of `top` (the cloud ranks by one: see GET /stats sliceBy)' })),
});
const CountQuery = Type.Object({ count: Type.Integer({ minimum: 1, maximum: MAX_SLICE_SIZE, description: 'peers to add or take away' }) });

const errors = {
  '400': { description: 'a malformed name or query (InvalidArgument)' },
  '401': { description: 'no or unknown bearer token (Unauthorized)' },
  '501': { description: 'this gateway has no peer on the ring (NotImplemented)' },
  '503': { description: 'the gateway\'s peer is not on the ring, has no estimates yet, or the directory is moving (ServiceUnavailable): retry' },
};
const owned = { '403': { description: 'the slices of another user (Forbidden)' }, '404': { description: 'no such slice of this user (ResourceNotFound)' } };
const json = 'application/json';

function doorOf(ctx: HomeContext): CloudDoor {
  if (ctx.cloud === undefined) throw new HttpError(501, 'NotImplemented', 'this gateway has no peer on the ring, so it knows nothing of the cloud');
  const d = ctx.cloud();
  if (!d) throw new HttpError(503, 'ServiceUnavailable', 'the gateway\'s peer is not on the ring yet; retry shortly');
  return d;
}

function stats(ctx: HomeContext): Static<typeof Stats> {
  const d = doorOf(ctx);
  const e = d.gossip.estimates();
  if (!e) throw new HttpError(503, 'ServiceUnavailable', 'the gateway\'s peer has not finished a gossip epoch yet (about 30 s after it joins); retry shortly');
  return {
    peers: Math.round(e.size), epoch: e.epoch, sum: e.sum, mean: e.mean, max: e.max, sliceBy: d.gossip.sliceBy, deciles: e.thresholds,
    via: { peer: d.gossip.sampling.view.self, decile: e.decile, viewSize: d.gossip.sampling.view.size, gossipSent: d.gossip.counters.sent, gossipRefused: d.gossip.counters.refused },
  };
}

const params = (req: FastifyRequest) => req.params as Static<typeof SliceParams>;

async function createSlice(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { user, name } = params(req);
  const q = req.query as Static<typeof CreateQuery>;
  const slice = await doorOf(ctx).slices.create({ name, owner: user, size: q.size, ...(q.top !== undefined && { top: q.top }), ...(q.by && { by: q.by }) });
  reply.code(201).header('location', `/${user}/slices/${name}`);
  return slice;
}

function resize(sign: 1 | -1): RouteSpec['handler'] {
  return async (ctx, req) => {
    const { user, name } = params(req);
    return doorOf(ctx).slices.resize(name, user, sign * (req.query as Static<typeof CountQuery>).count);
  };
}

export function cloudRoutes(): RouteSpec[] {
  const slice = (method: RouteSpec['method'], tail: string, operationId: string, summary: string, handler: RouteSpec['handler'], ok: RouteSpec['responses'], querystring?: RouteSpec['schema']['querystring']): RouteSpec => ({
    method, urls: [`/:user/slices/:name${tail}`], openapiPath: `/{user}/slices/{name}${tail}`, operationId, summary, auth: 'owner',
    schema: { params: SliceParams, ...(querystring && { querystring }) }, responses: { ...ok, ...errors, ...owned }, handler,
  });
  const sliceOk = { '200': { description: 'the slice: its members in id order, which is its ring', schema: SliceRecord, mediaType: json } };
  return [
    {
      method: 'GET', urls: ['/stats'], openapiPath: '/stats', operationId: 'getStats', auth: 'any',
      summary: 'the cloud\'s live estimates, learned by gossip: peers, sums, means and maxima of cores and storage, decile thresholds',
      schema: {}, responses: { '200': { description: 'the estimates', schema: Stats, mediaType: json }, ...errors },
      handler: async (ctx) => stats(ctx),
    },
    {
      method: 'GET', urls: ['/:user/slices'], openapiPath: '/{user}/slices', operationId: 'listSlices', auth: 'owner',
      summary: 'ListSlices: the user\'s slices, their size and how many members they hold now',
      schema: { params: UserParams },
      responses: { '200': { description: 'the slices', schema: Type.Array(SliceSummary), mediaType: json }, ...errors, '403': owned['403'] },
      handler: async (ctx, req) => doorOf(ctx).slices.list((req.params as { user: string }).user),
    },
    slice('PUT', '', 'createSlice', 'CreateSlice: allocate `size` free peers (of the top fraction `top` by `by`) as a slice with a ring of its own, kept full under churn', createSlice,
      { '201': { description: 'created (members fill in as free peers agree)', schema: SliceRecord, mediaType: json }, '409': { description: 'a slice of that name exists (AlreadyExists)' } }, CreateQuery),
    slice('GET', '', 'getSlice', 'GetSlice: the slice\'s members and ring', async (ctx, req) => doorOf(ctx).slices.show(params(req).name, params(req).user), sliceOk),
    slice('POST', '/grow', 'growSlice', 'GrowSlice: add `count` peers', resize(1), sliceOk, CountQuery),
    slice('POST', '/shrink', 'shrinkSlice', 'ShrinkSlice: release `count` peers', resize(-1), sliceOk, CountQuery),
    slice('DELETE', '', 'deleteSlice', 'DeleteSlice: release every member', async (ctx, req, reply) => {
      await doorOf(ctx).slices.remove(params(req).name, params(req).user);
      reply.code(204);
      return null;
    }, { '204': { description: 'removed' } }),
  ];
}
