// The registry of simulation scenarios that `cumulus sim <name>` can run. A scenario takes the
// command's options (every `--flag value` pair, as strings; bare flags as true) and returns one
// JSON-able result object. To add one: write scenarios/<name>.ts and add a line below.
import { InvalidArgumentError } from '../../core/errors.js';
import type { ScenarioOptions, ScenarioResult } from './options.js';
import { runPing } from './ping.js';
import { runStorage } from './storage.js';
import { runOverlay } from './overlay.js';
import { runCoord } from './coord.js';

export { numberOption, type ScenarioOptions, type ScenarioResult } from './options.js';
export type ScenarioRun = (opts: ScenarioOptions) => ScenarioResult | Promise<ScenarioResult>;

const scenarios = new Map<string, ScenarioRun>();

export function registerScenario(name: string, run: ScenarioRun): void {
  if (scenarios.has(name)) throw new InvalidArgumentError(`scenario ${name} is registered twice`);
  scenarios.set(name, run);
}

export function getScenario(name: string): ScenarioRun | undefined {
  return scenarios.get(name);
}

export function scenarioNames(): string[] {
  return [...scenarios.keys()].sort();
}

registerScenario('ping', runPing);
registerScenario('storage', runStorage);
registerScenario('overlay', runOverlay);
registerScenario('coord', runCoord);
