// The OpenAPI 3.1 document, generated from the route table (routes.ts): every route the gateway
// registers appears here with its parameters, headers and answers, and nothing else does.
import type { TSchema } from '@sinclair/typebox';
import type { RouteSpec } from './routes.js';
import { ErrorBody } from './schemas.js';

type Json = Record<string, unknown>;

/** Typebox schemas carry symbol keys (Kind, Hint); JSON round-tripping leaves plain JSON Schema. */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

function parameters(spec: RouteSpec): Json[] {
  const out: Json[] = [];
  const add = (where: 'path' | 'query' | 'header', schema: TSchema | undefined) => {
    if (!schema) return;
    const obj = plain(schema) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(obj.properties ?? {})) {
      const required = where === 'path' || (obj.required ?? []).includes(name);
      const openName = name === '*' ? 'path' : name;
      const { description, ...rest } = prop as { description?: string };
      out.push({ name: openName, in: where, required, ...(description ? { description } : {}), schema: rest });
    }
  };
  add('path', spec.schema.params);
  add('query', spec.schema.querystring);
  add('header', spec.schema.headers);
  // The home path parameter may be empty (the home directory itself) and may contain slashes.
  if (spec.openapiPath.includes('{path}') && !out.some((p) => p.name === 'path')) {
    out.push({ name: 'path', in: 'path', required: true, schema: { type: 'string' } });
  }
  return out;
}

function responses(spec: RouteSpec): Json {
  const out: Json = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    const content = r.schema
      ? { [r.mediaType ?? 'application/json']: { schema: plain(r.schema) } }
      : Number(status) >= 400 ? { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } : undefined;
    out[status] = { description: r.description, ...(content ? { content } : {}) };
  }
  out.default = { description: 'an error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return out;
}

export function buildOpenApi(routes: RouteSpec[], info: { title: string; version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const spec of routes) {
    const item = (paths[spec.openapiPath] ??= {});
    item[spec.method.toLowerCase()] = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.auth === 'none' ? { security: [] } : {}),
      parameters: parameters(spec),
      ...(spec.method === 'PUT' && spec.openapiPath.includes('/home/')
        ? { requestBody: { description: 'the object, streamed; empty for a directory', content: { '*/*': { schema: { type: 'string', format: 'binary' } } } } }
        : {}),
      responses: responses(spec),
    };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'The Cumulus REST API: a Manta-style file system per user over the community cloud. See docs/api.md.' },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a user token from `cumulus user add NAME`' } },
      schemas: { Error: plain(ErrorBody) },
    },
    paths,
  };
}
