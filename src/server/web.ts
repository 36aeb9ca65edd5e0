// The volunteer page: `/` is a small HTML page, `/volunteer.js` its script, bundled for the browser
// from the compiled sources by esbuild the first time it is asked for (and kept in memory), so no
// generated bundle is ever committed or shipped. `/coord-dropin.js` is the script a web
// application adds to its own pages (a classic script: it reads its settings from its own tag).
// Bundles are served gzipped with an ETag; the drop-in with a long cache life (see below).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cumulus volunteer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
dt{font-weight:600}dd{margin:0 0 .6rem;font-family:ui-monospace,monospace;word-break:break-all}</style>
</head><body>
<h1>Cumulus</h1>
<p>While this tab is open it is a peer of the community cloud: it lends a little CPU and storage.
Close the tab to stop.</p>
<dl>
<dt>state</dt><dd id="state">loading…</dd>
<dt>peer id</dt><dd id="id">—</dd>
<dt>successor</dt><dd id="successor">—</dd>
<dt>predecessor</dt><dd id="predecessor">—</dd>
<dt>open links</dt><dd id="links">—</dd>
<dt>rendezvous server</dt><dd id="server">—</dd>
</dl>
<script type="module" src="/volunteer.js"></script>
</body></html>
`;

interface Bundle {
  text: string;
  gzip: Buffer;
  /** The first 16 hex digits of the bundle's SHA-256: its ETag and its pinned URL's name. */
  hash: string;
}

const bundles = new Map<string, Promise<Bundle>>();

/**
 * Cache policies. The drop-in is loaded by other sites' pages on every page load: a day fresh, and
 * for a week after that a cached copy is used at once while it is revalidated in the background
 * (304 when unchanged), so a page never waits for it. Its pinned URL (/coord-dropin/<hash>.js) never
 * changes content. The volunteer page's script is revalidated on each load.
 */
const DROPIN_CACHE = 'public, max-age=86400, stale-while-revalidate=604800';
const PINNED_CACHE = 'public, max-age=31536000, immutable';
const VOLUNTEER_CACHE = 'no-cache';

/** Bundle a script of src/web for browsers. */
async function buildBundle(name: string, format: 'esm' | 'iife'): Promise<Bundle> {
  const { build } = await import('esbuild');
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled (dist/) when run from the package, the TypeScript source when run from src/ by tests.
  const js = join(here, '..', 'web', `${name}.js`);
  const out = await build({
    entryPoints: [existsSync(js) ? js : join(here, '..', 'web', `${name}.ts`)],
    bundle: true,
    write: false,
    format,
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  const text = out.outputFiles[0]!.text;
  return { text, gzip: gzipSync(text, { level: 9 }), hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

function bundle(name: string, format: 'esm' | 'iife'): Promise<Bundle> {
  let b = bundles.get(name);
  if (!b) {
    b = buildBundle(name, format).catch((e: unknown) => {
      bundles.delete(name);
      throw e;
    });
    bundles.set(name, b);
  }
  return b;
}

/** Send a bundle with its validator: 304 when the browser holds it, gzip when it takes gzip. */
function send(req: FastifyRequest, reply: FastifyReply, b: Bundle, cacheControl: string): FastifyReply {
  const etag = `"${b.hash}"`;
  reply.type('text/javascript; charset=utf-8').header('cache-control', cacheControl).header('etag', etag).header('vary', 'accept-encoding');
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) return reply.code(304).send();
  if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(b.gzip);
  return reply.send(b.text);
}

export function registerWebPage(app: FastifyInstance): void {
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/volunteer.js', async (req, reply) => send(req, reply, await bundle('volunteer', 'esm'), VOLUNTEER_CACHE));
  // The tab's sandboxes for js and wasm tasks: a module Web Worker each (src/web/sandbox-worker.ts).
  app.get('/sandbox-worker.js', async (req, reply) => send(req, reply, await bundle('sandbox-worker', 'esm'), VOLUNTEER_CACHE));
  // Loaded by other origins' pages: as a classic script it needs no CORS.
  app.get('/coord-dropin.js', async (req, reply) => send(req, reply, await bundle('dropin', 'iife'), DROPIN_CACHE));
  app.get<{ Params: { file: string } }>('/coord-dropin/:file', async (req, reply) => {
    const b = await bundle('dropin', 'iife');
    if (req.params.file !== `${b.hash}.js`) return reply.code(404).type('text/plain').send(`no such version of the drop-in; the current one is /coord-dropin/${b.hash}.js`);
    return send(req, reply, b, PINNED_CACHE);
  });
}
