#!/usr/bin/env node
// `bcjob …` is `cumulus job …`: the short name from the research design (browserCloud.js).
import { main } from '../dist/cli/main.js';

main([process.argv[0], process.argv[1], 'job', ...process.argv.slice(2)]).catch((err) => {
  process.stderr.write(`bcjob: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
