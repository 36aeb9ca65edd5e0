// `cumulus sim <scenario>`: run a scenario of the real protocol code on the simulated Env.
import type { Command } from 'commander';

export function registerSim(program: Command): void {
  program
    .command('sim <scenario>')
    .description('run a simulation scenario (ping, overlay, …) and print its figures')
    .option('--nodes <n>', 'number of simulated peers', '1000')
    .option('--seconds <s>', 'virtual seconds to run', '60')
    .option('--seed <s>', 'seed of the run', '1')
    .option('--json', 'print one JSON object as the last line')
    .action(async (scenario: string) => {
      throw new Error(`unknown scenario ${scenario}`);
    });
}
