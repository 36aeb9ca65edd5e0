#!/usr/bin/env node
// `bcls …` is `cumulus ls …`: the short name from the research design (browserCloud.js).
import { main } from '../dist/cli/main.js';

main([process.argv[0], process.argv[1], 'ls', ...process.argv.slice(2)]).catch((err) => {
  process.stderr.write(`bcls: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
