// `cumulus sim <scenario>`: run a scenario of the real protocol code on the simulated Env.
// Options a scenario needs beyond the common ones (--churn, --lookups, --clients …) pass through:
// every `--flag value` pair after the scenario name reaches the scenario as a string.
import { spawnSync } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
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

/**
 * Heap a run of `nodes` simulated peers may need: about 40 KB per peer (its rings, mux, links,
 * timers and frames in flight) with room to spare, plus the simulator itself.
 */
const HEAP_MB_PER_1000_PEERS = 64;
const HEAP_MB_BASE = 1024;
/** Young generation semi-space of the re-executed run (Node's default is 16 MB). */
const SEMI_SPACE_MB = 64;
/** Set in the environment of the re-executed run, so that it never re-executes again. */
const HEAP_ENV = 'CUMULUS_SIM_HEAP_MB';

/**
 * Node's default heap limit (about 4 GB) is too small for 100,000 peers: run the same command
 * again in a child Node with a larger heap (and young generation) and return its exit status, or
 * null to run here.
 */
function rerunWithHeap(nodes: number): number | null {
  if (!Number.isFinite(nodes) || process.env[HEAP_ENV] !== undefined) return null;
  const needMb = Math.ceil(HEAP_MB_BASE + (nodes / 1000) * HEAP_MB_PER_1000_PEERS);
  if (getHeapStatistics().heap_size_limit / 2 ** 20 >= needMb) return null;
  // A larger young generation as well: most of a simulation's garbage (frames, envelopes, timers)
  // dies within a few simulated milliseconds, and fewer of them get promoted to the large old heap
  // (9% less CPU at 3,000 overlay peers, measured side by side).
  const argv = [...process.execArgv, `--max-old-space-size=${needMb}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, ...process.argv.slice(1)];
  const child = spawnSync(process.execPath, argv, { stdio: 'inherit', env: { ...process.env, [HEAP_ENV]: String(needMb) } });
  if (child.error) throw child.error;
  return child.status ?? 1;
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
      const status = rerunWithHeap(Number(opts.nodes));
      if (status !== null) {
        process.exitCode = status;
        return;
      }
      const result = await run(opts);
      process.stdout.write(known.json ? `${JSON.stringify(result)}\n` : `${table(result)}\n`);
    });
}
