// The volunteer page (`/`, its script `/volunteer.js`) and the live dashboard (`/dashboard`,
// `/dashboard.js`, fed by dashboard-feed.ts). Scripts are bundled for the browser by esbuild:
// `npm run build` writes them to dist/pages (scripts/build-pages.mjs), and a server run from the
// sources (tests) bundles them the first time they are asked for and keeps them in memory; no
// bundle is ever committed. `/coord-dropin.js` is the script a web
// application adds to its own pages (a classic script: it reads its settings from its own tag).
// Bundles are served gzipped with an ETag; the drop-in with a long cache life (see below).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VOLUNTEER_HTML, dashboardHtml } from './pages.js';

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

/** A bundle of src/web for browsers: the one `npm run build` wrote, else built now. */
async function buildBundle(name: string, format: 'esm' | 'iife'): Promise<Bundle> {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, '..', 'pages', `${name}.js`);
  if (existsSync(built)) return bundleOf(readFileSync(built, 'utf8'));
  return bundleOf(await esbuildBundle(name, format));
}

/** The browser scripts the server serves, and their module format. */
export const PAGE_SCRIPTS = { volunteer: 'esm', dashboard: 'esm', 'sandbox-worker': 'esm', dropin: 'iife' } as const;

/** Write every page script's bundle to outDir (what `npm run build` does, after tsc). */
export async function buildPages(outDir: string): Promise<Record<string, { bytes: number; gzipBytes: number }>> {
  mkdirSync(outDir, { recursive: true });
  const sizes: Record<string, { bytes: number; gzipBytes: number }> = {};
  for (const [name, format] of Object.entries(PAGE_SCRIPTS)) {
    const text = await esbuildBundle(name, format);
    writeFileSync(join(outDir, `${name}.js`), text);
    sizes[name] = { bytes: Buffer.byteLength(text), gzipBytes: gzipSync(text, { level: 9 }).length };
  }
  return sizes;
}

/** Bundle one script of src/web with esbuild: minified, for current browsers. */
async function esbuildBundle(name: string, format: 'esm' | 'iife'): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const { build } = await import('esbuild');
  // Compiled (dist/) when run from the package, the TypeScript source when run from src/ by tests.
  const js = join(here, '..', 'web', `${name}.js`);
  const noBuffer = join(here, '..', 'web', existsSync(js) ? 'no-buffer.js' : 'no-buffer.ts');
  const out = await build({
    entryPoints: [existsSync(js) ? js : join(here, '..', 'web', `${name}.ts`)],
    bundle: true,
    write: false,
    format,
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
    // Node's `buffer` only reaches the pages through `level`, which the tab uses without Buffer:
    // web/no-buffer.ts (a Buffer that is never one) instead of the polyfill keeps 8 KiB (gzipped) off the volunteer page.
    plugins: [{ name: 'no-buffer', setup: (b) => b.onResolve({ filter: /^buffer$/ }, () => ({ path: noBuffer })) }],
  });
  return out.outputFiles[0]!.text;
}

function bundleOf(text: string): Bundle {
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

/** uPlot's stylesheet, inlined into the dashboard's page. */
function uplotCss(): string {
  return readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
}

export function registerWebPage(app: FastifyInstance): void {
  const dashboard = dashboardHtml(uplotCss());
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(VOLUNTEER_HTML));
  app.get('/volunteer.js', async (req, reply) => send(req, reply, await bundle('volunteer', 'esm'), VOLUNTEER_CACHE));
  app.get('/dashboard', async (_req, reply) => reply.type('text/html; charset=utf-8').send(dashboard));
  app.get('/dashboard.js', async (req, reply) => send(req, reply, await bundle('dashboard', 'esm'), VOLUNTEER_CACHE));
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
