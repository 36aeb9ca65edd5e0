#!/usr/bin/env node
// The `cumulus` command: a thin launcher for the compiled CLI in dist/ (built by `npm run build`,
// which `npm ci` runs through the prepare script).
import { main } from '../dist/cli/main.js';

main(process.argv).catch((err) => {
  process.stderr.write(`cumulus: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
