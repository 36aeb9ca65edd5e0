// `cumulus sim <scenario>`: run a scenario of the real protocol code on the simulated Env. Each
// scenario declares its own options (name, type, default, unit, range); the `--flag value` pairs
// after its name are parsed against them here, once, and anything unknown or malformed is refused
// with a message naming the option. `cumulus sim --help` lists every scenario's options.
import { spawnSync } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import type { Command } from 'commander';
import { lookup, registerRunnables, runnableFlags, runnableHelp } from '../runnables.js';
import { getScenario, runScenario, scenarioNames, scenarioOptions, type ScenarioResult } from '../../sim/scenarios/index.js';

const SCENARIO_SET = { command: 'sim', noun: 'scenario', nouns: 'Scenarios', names: scenarioNames, get: getScenario };

/** The options of one scenario, or of all of them, as help text. */
export function scenarioHelp(name?: string): string {
  return runnableHelp(SCENARIO_SET, name);
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
  registerRunnables(program, SCENARIO_SET, `run a simulation scenario (${scenarioNames().join(', ')}) and print its figures`, async (scenario, args, json) => {
    const opts = scenarioOptions(scenario, runnableFlags(lookup(SCENARIO_SET, scenario).options, args));
    const status = typeof opts.nodes === 'number' ? rerunWithHeap(opts.nodes) : null;
    if (status !== null) {
      process.exitCode = status;
      return;
    }
    const result = await runScenario(scenario, opts);
    process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${table(result)}\n`);
  });
}
