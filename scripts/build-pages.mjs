// The browser pages' scripts (the volunteer page, the dashboard, the tab's sandbox worker, the
// coordination drop-in), bundled by esbuild into dist/pages after tsc has compiled dist/.
import { buildPages } from '../dist/server/web.js';

const sizes = await buildPages(new URL('../dist/pages', import.meta.url).pathname);
for (const [name, s] of Object.entries(sizes)) console.log(`dist/pages/${name}.js ${(s.bytes / 1024).toFixed(1)} KiB, ${(s.gzipBytes / 1024).toFixed(1)} KiB gzipped`);
