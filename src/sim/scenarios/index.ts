// The registry of simulation scenarios that `cumulus sim <name>` can run. A scenario declares its
// options (sim/scenarios/options.ts); the command line is parsed against them once, here, into the
// typed object the scenario's run function takes. To add one: write scenarios/<name>.ts exporting
// a defineScenario(...) and add a line below.
import { InvalidArgumentError } from '../../core/errors.js';
import { parseOptions, type OptionSpecs, type OptionValues, type RawOptions } from '../../core/options.js';
import type { Scenario, ScenarioResult } from './options.js';
import { PING_SCENARIO } from './ping.js';
import { STORAGE_SCENARIO } from './storage.js';
import { OVERLAY_SCENARIO } from './overlay.js';
import { COORD_SCENARIO } from './coord.js';
import { GOSSIP_SCENARIO } from './gossip.js';
import { SLICES_SCENARIO } from './slices.js';
import { JOBS_SCENARIO } from './jobs.js';

export type { Scenario, ScenarioResult } from './options.js';

/** A registered scenario: its run function takes its own spec's values, checked by parseOptions. */
type AnyScenario = Scenario<OptionSpecs> | { description: string; options: OptionSpecs; run(opts: never): ScenarioResult | Promise<ScenarioResult> };

const scenarios = new Map<string, AnyScenario>();

export function registerScenario<S extends OptionSpecs>(name: string, scenario: Scenario<S>): void {
  if (scenarios.has(name)) throw new InvalidArgumentError(`scenario ${name} is registered twice`);
  scenarios.set(name, scenario as unknown as AnyScenario);
}

export function getScenario(name: string): AnyScenario | undefined {
  return scenarios.get(name);
}

export function scenarioNames(): string[] {
  return [...scenarios.keys()].sort();
}

/** A scenario's typed options from a command line's raw ones; unknown options and bad values throw. */
export function scenarioOptions(name: string, raw: RawOptions): OptionValues<OptionSpecs> {
  const s = scenarios.get(name);
  if (s === undefined) throw new InvalidArgumentError(`unknown scenario ${name} (known: ${scenarioNames().join(', ')})`);
  return parseOptions(s.options, raw, `sim ${name}`);
}

/** Run a scenario on options from scenarioOptions. */
export function runScenario(name: string, opts: OptionValues<OptionSpecs>): ScenarioResult | Promise<ScenarioResult> {
  const s = scenarios.get(name);
  if (s === undefined) throw new InvalidArgumentError(`unknown scenario ${name} (known: ${scenarioNames().join(', ')})`);
  return (s.run as (o: OptionValues<OptionSpecs>) => ScenarioResult | Promise<ScenarioResult>)(opts);
}

registerScenario('ping', PING_SCENARIO);
registerScenario('storage', STORAGE_SCENARIO);
registerScenario('overlay', OVERLAY_SCENARIO);
registerScenario('coord', COORD_SCENARIO);
registerScenario('gossip', GOSSIP_SCENARIO);
registerScenario('slices', SLICES_SCENARIO);
registerScenario('jobs', JOBS_SCENARIO);
