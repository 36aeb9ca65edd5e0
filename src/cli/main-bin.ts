// The CLI's entry point inside dist/, for processes started with child_process.fork (volunteers
// started by a bench or by `cumulus up`); bin/cumulus.js is the same for people.
import { main } from './main.js';

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`cumulus: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
