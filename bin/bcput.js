#!/usr/bin/env node
// `bcput …` is `cumulus put …`: the short name from the research design (browserCloud.js).
import { main } from '../dist/cli/main.js';

main([process.argv[0], process.argv[1], 'put', ...process.argv.slice(2)]).catch((err) => {
  process.stderr.write(`bcput: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
