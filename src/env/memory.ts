// In-memory implementations of the Env ports, for unit tests of protocol code: a manual clock,
// a byte-ordered store, and an in-process network. The simulator (../sim) builds on the store.
import type { PeerId } from '../core/id.js';
import type { Env } from './ports.js';
import { ManualClock } from './memory-clock.js';
import { MemoryStore } from './memory-store.js';
import { MemoryNetwork } from './memory-net.js';
import { seededRng } from './rng.js';

export { ManualClock } from './memory-clock.js';
export { MemoryStore, StoreClosedError } from './memory-store.js';
export { MemoryNetwork, MemoryNet } from './memory-net.js';

/** A whole in-memory Env for one peer on a shared network and clock. */
export function memoryEnv(network: MemoryNetwork, self: PeerId, opts: { clock?: ManualClock; seed?: number } = {}): Env & { clock: ManualClock } {
  return {
    clock: opts.clock ?? new ManualClock(),
    rng: seededRng(opts.seed ?? 1),
    net: network.join(self),
    store: new MemoryStore(),
  };
}
