// The safety sweep both coordination modes run: many seeds of a small coord scenario with owners
// crashing and partitions healing, each required to keep holders within capacity and tokens rising.
import { expect } from 'vitest';
import { runCoord } from '../../../sim/scenarios/coord.js';

export const SWEEP_SEEDS = 100;

/** Small enough that 100 seeds of each mode stay well under a minute on two cores. */
const smallRun = (seed: number, mode: 'queue' | 'throttle') => ({ seed, peers: 12, clients: 60, capacity: 2, resources: 3, mode, crashOwners: true, seconds: 15 });

export async function sweepSeeds(mode: 'queue' | 'throttle'): Promise<void> {
  let grants = 0;
  for (let seed = 1; seed <= SWEEP_SEEDS; seed++) {
    const o = smallRun(seed, mode);
    const r = await runCoord(o);
    if (r.safetyViolations !== 0 || r.maxConcurrent > o.capacity) {
      throw new Error(`seed ${seed} (${mode}): ${JSON.stringify(r)} — reproduce with runCoord(${JSON.stringify(o)})`);
    }
    grants += r.grants;
  }
  // The runs must actually have granted things, or the safety above would be vacuous.
  expect(grants).toBeGreaterThan(SWEEP_SEEDS * 20);
}
