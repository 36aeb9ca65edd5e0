// The route table of the REST API. Each entry is registered with Fastify by index.ts and described
// in the OpenAPI document by openapi.ts, so the two cannot drift apart.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { cloudRoutes } from './cloud-routes.js';
import { jobRoutes } from './jobs-routes.js';
import { userUsage } from './usage.js';
import { deleteHome, getHome, putHome, type HomeContext } from './home.js';
import {
  DirEntry, HomeHeaders, HomeParams, NodeEntry, PageQuery, Report, ReportQuery, UserParams,
  DEFAULT_LOG_ENTRIES, DEFAULT_PAGE_ENTRIES, type PageQuery as PageQueryT, type ReportQuery as ReportQueryT,
} from './schemas.js';

export type Auth = 'none' | 'any' | 'owner';
export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface RouteSpec {
  method: Method;
  /** Fastify URLs (with and without a trailing slash where both make sense). */
  urls: string[];
  openapiPath: string;
  operationId: string;
  summary: string;
  auth: Auth;
  schema: { params?: TSchema; querystring?: TSchema; headers?: TSchema };
  /** Status → description, and for the main success answer the body schema and media type. */
  responses: Record<string, { description: string; schema?: TSchema; mediaType?: string }>;
  handler: (ctx: HomeContext, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

const errors = {
  '400': { description: 'invalid path, header or query (InvalidArgument)' },
  '401': { description: 'no or unknown bearer token (Unauthorized)' },
  '403': { description: 'the path belongs to another user (Forbidden)' },
};
const notFound = { '404': { description: 'no such file or directory (ResourceNotFound)' } };
const jsonLines = 'application/x-json-stream';

const homeUrls = ['/:user/home', '/:user/home/*'];
const homePath = '/{user}/home/{path}';

export function routeTable(): RouteSpec[] {
  const home: RouteSpec[] = [
    {
      method: 'PUT', urls: homeUrls, openapiPath: homePath, operationId: 'putFileOrDirectory', auth: 'owner',
      summary: 'PutObject (streamed body) or PutDirectory (Content-Type: application/json; type=directory)',
      schema: { params: HomeParams, querystring: PageQuery, headers: HomeHeaders },
      responses: {
        '204': { description: 'stored; ETag and Durability headers describe the object' },
        ...errors, ...notFound,
        '409': { description: 'a directory is in the way, or a parent is an object' },
        '412': { description: 'If-None-Match: * and the object exists' },
        '413': { description: 'body larger than the gateway accepts' },
      },
      handler: (ctx, req, reply) => putHome(ctx, req, reply),
    },
    {
      method: 'GET', urls: homeUrls, openapiPath: homePath, operationId: 'getFileOrListDirectory', auth: 'owner',
      summary: 'GetObject (streamed, Range, If-None-Match) or ListDirectory (one JSON object per line, paged)',
      schema: { params: HomeParams, querystring: PageQuery, headers: HomeHeaders },
      responses: {
        '200': { description: 'the object, or a page of the listing (Next-Marker header when more follow)', schema: DirEntry, mediaType: jsonLines },
        '206': { description: 'the requested range of the object' },
        '304': { description: 'the object still has the etag given in If-None-Match' },
        ...errors, ...notFound,
        '416': { description: 'the range lies outside the object' },
      },
      handler: (ctx, req, reply) => getHome(ctx, req, reply, false),
    },
    {
      method: 'HEAD', urls: homeUrls, openapiPath: homePath, operationId: 'headFileOrDirectory', auth: 'owner',
      summary: 'the headers of GET without the body: type, size, etag, replicas, mtime',
      schema: { params: HomeParams, headers: HomeHeaders },
      responses: { '200': { description: 'exists' }, ...errors, ...notFound },
      handler: (ctx, req, reply) => getHome(ctx, req, reply, true),
    },
    {
      method: 'DELETE', urls: homeUrls, openapiPath: homePath, operationId: 'deleteFileOrDirectory', auth: 'owner',
      summary: 'DeleteObject or DeleteDirectory (the directory must be empty)',
      schema: { params: HomeParams },
      responses: { '204': { description: 'deleted' }, ...errors, ...notFound, '409': { description: 'directory not empty' } },
      handler: (ctx, req, reply) => deleteHome(ctx, req, reply),
    },
  ];
  return [...home, ...serviceRoutes()];
}

function serviceRoutes(): RouteSpec[] {
  return [
    ...jobRoutes(),
    ...cloudRoutes(),
    {
      method: 'GET', urls: ['/:user/reports', '/:user/reports/'], openapiPath: '/{user}/reports/', operationId: 'getReports',
      auth: 'owner', summary: 'usage (bytes stored, requests) and the latest access-log entries, newest first',
      schema: { params: UserParams, querystring: ReportQuery },
      responses: { '200': { description: 'the report', schema: Report, mediaType: 'application/json' }, ...errors },
      handler: async (ctx, req) => {
        const { user } = req.params as { user: string };
        const limit = (req.query as ReportQueryT).limit ?? DEFAULT_LOG_ENTRIES;
        const usage = await userUsage(ctx.fs, user);
        return { user, ...(usage ? { usage } : {}), requests: ctx.usage.countersOf(user), accessLog: ctx.usage.log(user, limit) };
      },
    },
    {
      method: 'GET', urls: ['/nodes', '/nodes/'], openapiPath: '/nodes/', operationId: 'listNodes', auth: 'any',
      summary: 'the registry of live nodes and their metadata (read-only), one JSON object per line, paged',
      schema: { querystring: PageQuery },
      responses: { '200': { description: 'a page of nodes; Next-Marker when more follow', schema: NodeEntry, mediaType: jsonLines }, ...errors },
      handler: async (ctx, req, reply) => {
        const q = req.query as PageQueryT;
        const limit = q.limit ?? DEFAULT_PAGE_ENTRIES;
        const nodes = await ctx.nodes.list({ limit: limit + 1, ...(q.marker !== undefined ? { marker: q.marker } : {}) });
        const page = nodes.slice(0, limit);
        const last = page[page.length - 1];
        if (nodes.length > limit && last) reply.header('next-marker', last.id);
        reply.header('result-set-size', String(await ctx.nodes.count()));
        reply.header('content-type', `${jsonLines}; type=directory`);
        return Buffer.from(page.map((n) => JSON.stringify(n) + '\n').join(''));
      },
    },
  ];
}
