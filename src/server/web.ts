// The volunteer page: `/` is a small HTML page, `/volunteer.js` its script, bundled for the browser
// from the compiled sources by esbuild the first time it is asked for (and kept in memory), so no
// generated bundle is ever committed or shipped. `/coord-dropin.js` is the script a web
// application adds to its own pages (a classic script: it reads its settings from its own tag).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

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

const bundles = new Map<string, Promise<string>>();

/** Bundle a script of src/web for browsers. */
async function buildBundle(name: string, format: 'esm' | 'iife'): Promise<string> {
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
  return out.outputFiles[0]!.text;
}

export function registerWebPage(app: FastifyInstance): void {
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  const serve = (name: string, format: 'esm' | 'iife') => async (_req: unknown, reply: FastifyReply) => {
    let b = bundles.get(name);
    if (!b) {
      b = buildBundle(name, format).catch((e: unknown) => {
        bundles.delete(name);
        throw e;
      });
      bundles.set(name, b);
    }
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(await b);
  };
  app.get('/volunteer.js', serve('volunteer', 'esm'));
  // Loaded by other origins' pages: as a classic script it needs no CORS.
  app.get('/coord-dropin.js', serve('dropin', 'iife'));
}
