// The `cumulus` command line. Each subcommand lives in commands/<name>.ts and registers itself
// on the program; this file only assembles them.
import { Command } from 'commander';
import { registerSim } from './commands/sim.js';
import { registerServe } from './commands/serve.js';
import { registerBench } from './commands/bench.js';
import { registerFiles } from './commands/files.js';
import { registerVolunteer } from './commands/volunteer.js';
import { registerUp } from './commands/up.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cumulus')
    .description('Cumulus: a community cloud made of volunteers\' browser tabs and machines')
    .version('0.1.0')
    .showHelpAfterError();
  registerSim(program);
  registerServe(program);
  registerBench(program);
  registerFiles(program);
  registerVolunteer(program);
  registerUp(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
