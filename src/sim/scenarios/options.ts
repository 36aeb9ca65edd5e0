// What every scenario is: its description, its typed options (parsed once, at the command line,
// by core/options.ts) and a run function that takes them. Kept apart from the registry so that
// scenarios do not import the module that imports them.
import type { OptionSpecs, Runnable } from '../../core/options.js';

export type ScenarioResult = Record<string, unknown>;

export type Scenario<S extends OptionSpecs = OptionSpecs> = Runnable<S, ScenarioResult>;

/** A scenario with its spec's types checked against its run function. */
export function defineScenario<S extends OptionSpecs>(scenario: Scenario<S>): Scenario<S> {
  return scenario;
}

/** The seed option every scenario takes. */
export const SEED_OPTION = {
  type: 'integer',
  default: 1,
  min: 0,
  max: 2 ** 32 - 1,
  description: 'seed of the run: the same seed on the same code gives the same run and digest',
} as const;

/** Simulated peers, for the scenarios that take a count of them. */
export const NODES_OPTION = { type: 'integer', default: 1000, min: 1, unit: 'peers', description: 'simulated peers' } as const;
