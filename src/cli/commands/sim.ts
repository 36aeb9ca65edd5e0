// `cumulus sim <scenario>`: run a scenario of the real protocol code on the simulated Env.
// Options a scenario needs beyond the common ones (--churn, --lookups, --clients …) pass through:
// every `--flag value` pair after the scenario name reaches the scenario as a string.
import type { Command } from 'commander';
import { getScenario, scenarioNames, type ScenarioOptions, type ScenarioResult } from '../../sim/scenarios/index.js';

/** Collect `--flag value`, `--flag=value` and bare `--flag` (true) from raw arguments. */
export function collectFlags(args: string[]): ScenarioOptions {
  const out: ScenarioOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      out[camel(arg.slice(2, eq))] = arg.slice(eq + 1);
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[camel(arg.slice(2))] = next;
      i++;
    } else {
      out[camel(arg.slice(2))] = true;
    }
  }
  return out;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function table(result: ScenarioResult): string {
  const rows = Object.entries(result).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)] as const);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function registerSim(program: Command): void {
  program
    .command('sim <scenario>')
    .description(`run a simulation scenario (${scenarioNames().join(', ')}) and print its figures`)
    .option('--nodes <n>', 'number of simulated peers', '1000')
    .option('--seconds <s>', 'virtual seconds to run', '60')
    .option('--seed <s>', 'seed of the run', '1')
    .option('--json', 'print one JSON object as the last line')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (scenario: string, known: Record<string, string | boolean>, cmd: Command) => {
      const run = getScenario(scenario);
      if (run === undefined) throw new Error(`unknown scenario ${scenario} (known: ${scenarioNames().join(', ')})`);
      const opts: ScenarioOptions = { ...collectFlags(cmd.args.slice(1)), ...known };
      const result = await run(opts);
      process.stdout.write(known.json ? `${JSON.stringify(result)}\n` : `${table(result)}\n`);
    });
}
