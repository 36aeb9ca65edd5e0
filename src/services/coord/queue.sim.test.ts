// Queue mode over 100 seeds with owners crashing and partitions healing: never more holders than capacity, tokens never go back.
import { expect, it } from 'vitest';
import { runCoord } from '../../sim/scenarios/coord.js';

const SEEDS = 100;
/** Small enough that 100 seeds of each mode stay well under a minute on two cores. */
const smallRun = (seed: number, mode: 'queue' | 'throttle') => ({ seed, peers: 12, clients: 60, capacity: 2, resources: 3, mode, crashOwners: true, seconds: 15 });

it(`queue mode is safe over ${SEEDS} seeds`, async () => {
  let grants = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const o = smallRun(seed, 'queue');
    const r = await runCoord(o);
    if (r.safetyViolations !== 0 || r.maxConcurrent > o.capacity) {
      throw new Error(`seed ${seed} (queue): ${JSON.stringify(r)} — reproduce with runCoord(${JSON.stringify(o)})`);
    }
    grants += r.grants;
  }
  // The run must actually have granted things, or the safety above would be vacuous.
  expect(grants).toBeGreaterThan(SEEDS * 20);
});
