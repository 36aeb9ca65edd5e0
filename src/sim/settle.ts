// Awaiting a protocol's promise on the simulator: the promise settles only when simulated events
// (replies, timers) run, so the caller runs the simulator until it has.
import type { RunOptions, Simulator } from './simulator.js';

/** Run the simulator until p settles (or opts stop it first), and return p's value or throw its error. */
export async function settle<T>(sim: Simulator, p: Promise<T>, opts: Omit<RunOptions, 'until'> = {}): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  q.catch(() => undefined);
  await sim.runAsync({ ...opts, until: () => done });
  return q;
}
