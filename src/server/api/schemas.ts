// Typebox schemas of what the gateway accepts (params, query strings, headers) and returns. They
// serve twice: Fastify validates requests with them, and openapi.ts copies them into the document.
import { Type, type Static } from '@sinclair/typebox';
import { ReplicasSchema } from '../../services/storage/constants.js';
import { USER_NAME_PATTERN, MAX_PATH_BYTES } from './paths.js';

/** Listing pages: at most this many entries per request, this many by default. */
export const MAX_PAGE_ENTRIES = 1024;
export const DEFAULT_PAGE_ENTRIES = 256;
/** Access-log entries returned by the report, by default and at most. */
export const DEFAULT_LOG_ENTRIES = 100;
export const MAX_LOG_ENTRIES = 1000;

export const UserParam = Type.String({ pattern: USER_NAME_PATTERN, description: 'user name' });

export const UserParams = Type.Object({ user: UserParam });
export const HomeParams = Type.Object({
  user: UserParam,
  '*': Type.Optional(Type.String({ maxLength: MAX_PATH_BYTES * 3, description: 'path below the home directory; may contain slashes' })),
});
export type HomeParams = Static<typeof HomeParams>;
export const JobParams = Type.Object({ user: UserParam, id: Type.String({ maxLength: 128 }) });

const Marker = Type.String({ maxLength: MAX_PATH_BYTES, description: 'return entries whose names sort after this one' });
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_ENTRIES, default: DEFAULT_PAGE_ENTRIES })),
  marker: Type.Optional(Marker),
  parents: Type.Optional(Type.Boolean({ description: 'PUT of a directory: create missing parents too (mkdir -p)' })),
});
export type PageQuery = Static<typeof PageQuery>;

export const ReportQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LOG_ENTRIES, default: DEFAULT_LOG_ENTRIES })),
});
export type ReportQuery = Static<typeof ReportQuery>;

export const HomeHeaders = Type.Object({
  'content-type': Type.Optional(Type.String({
    description: 'application/json; type=directory makes a PUT create a directory; otherwise the media type stored with the object',
  })),
  'content-length': Type.Optional(Type.String({ description: 'size of the object in bytes; checked against the body' })),
  replicas: Type.Optional(ReplicasSchema),
  'if-none-match': Type.Optional(Type.String({ description: 'GET: answer 304 when the etag matches; PUT with *: only create' })),
  range: Type.Optional(Type.String({ description: 'GET of an object: a single range, bytes=start-end, bytes=start- or bytes=-suffix' })),
});

export const ErrorBody = Type.Object({
  code: Type.String({ description: 'stable, PascalCase error code, e.g. ResourceNotFound' }),
  message: Type.String(),
});

export const DirEntry = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('object'), Type.Literal('directory')]),
  mtime: Type.String({ description: 'ISO 8601 time of the last change' }),
  size: Type.Integer({ description: 'bytes of an object; 0 for a directory' }),
  etag: Type.Optional(Type.String()),
  replicas: Type.Optional(Type.Integer({ description: 'replica count of an object' })),
}, { description: 'one line of a directory listing (application/x-json-stream: one JSON object per line)' });
export type DirEntry = Static<typeof DirEntry>;

export const NodeEntry = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{40}$' }),
  rings: Type.Array(Type.Union([Type.Literal('base'), Type.Literal('asc')])),
  joinedMs: Type.Number(),
  lastSeenMs: Type.Number(),
  meta: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
}, { description: 'one line of GET /nodes/' });

export const Report = Type.Object({
  user: Type.String(),
  usage: Type.Optional(Type.Object({
    bytesStored: Type.Integer(), bytesWithReplicas: Type.Integer(), objects: Type.Integer(), directories: Type.Integer(),
    openUploadBytes: Type.Optional(Type.Integer({ description: 'bytes of open S3 multipart uploads (their parts and records), included in bytesStored' })),
  })),
  requests: Type.Object({ requests: Type.Integer(), errors: Type.Integer(), bytesIn: Type.Integer(), bytesOut: Type.Integer() }),
  accessLog: Type.Array(Type.Object({
    timeMs: Type.Number(), method: Type.String(), path: Type.String(), status: Type.Integer(),
    bytesIn: Type.Integer(), bytesOut: Type.Integer(), durationMs: Type.Number(),
  }), { description: 'newest first' }),
});
