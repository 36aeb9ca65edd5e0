// Helpers for the jobs engine's tests on the oracle ring: the manual clock advanced in steps that
// let promises settle, and a map job started at its keeper with its inputs journaled.
import type { ManualClock } from '../../../env/memory-clock.js';
import type { Journal } from '../engine/journal.js';
import type { JobsService } from '../engine/service.js';

/** Advance the clock by ms in 10 ms steps, letting promises settle after each. */
export async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Create a map-only job of n inputs /ann/in/0… (n ≤ 16: one entry) at its keeper, end its inputs and start it. */
export async function startMapJob(keeper: JobsService, clock: ManualClock, jobId: string, n: number): Promise<Journal> {
  const created = keeper.keeper.create(jobId, 'ann', { phases: [{ type: 'map', exec: 'cat', timeout: 600 }] });
  await advance(clock, 50);
  const journal = await created;
  journal.append({ t: 'inputs', first: 0, paths: Array.from({ length: n }, (_, i) => `/ann/in/${i}`) });
  journal.append({ t: 'inputs-end' });
  void keeper.scheduler!.pump(journal);
  return journal;
}
