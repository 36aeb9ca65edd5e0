// Proves a departure notice is not lost when it reaches a key's new owner before the hand-over that brings the key's record: the sKeeper checks the key again until the record arrives (then repairs the file, naming the gone peer), and gives up on a key whose record never comes within the hand-over time.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import type { RingPort } from '../../overlay/port.js';
import { Simulator } from '../../sim/simulator.js';
import { HANDOFF_MS } from './constants.js';
import type { KeeperStore } from './keeper-store.js';
import { ReactiveRepair } from './reactive.js';
import type { FileRecord, MetaRecord } from './records.js';
import type { Repairer } from './repair.js';

const GONE = 'ab'.repeat(20) as PeerId;
const KEY = 'cd'.repeat(20);
const record = { kind: 'file', path: '/f', chunks: [{ id: 'ef'.repeat(20), holders: [GONE] }] } as unknown as FileRecord;

/** The sKeeper's side alone: a ring where it owns every key, a keeper store whose record arrives at `arrivesAtMs`, a repairer that records what it was asked. */
function world(arrivesAtMs: number) {
  const sim = new Simulator({ seed: 1 });
  const clock = sim.addNode().env.clock;
  const repaired: { paths: string[]; gone: PeerId[] }[] = [];
  const ring = { owns: () => true } as unknown as RingPort;
  const store = { getRecord: async () => (clock.now() >= arrivesAtMs ? record : undefined) as MetaRecord | undefined } as unknown as KeeperStore;
  const repairer = {
    noteGone: () => undefined,
    repairFiles: async (files: readonly FileRecord[], gone?: ReadonlySet<PeerId>) => {
      repaired.push({ paths: files.map((f) => f.path), gone: [...(gone ?? [])] });
      return {};
    },
  } as unknown as Repairer;
  const reactive = new ReactiveRepair(ring, clock, repairer, store);
  reactive.start();
  return { sim, reactive, repaired };
}

describe('a departure notice that arrives before the record', () => {
  it('is checked again until the record arrives, then repaired', async () => {
    const w = world(3_000);
    expect(w.reactive.gone({ peer: GONE, keys: [KEY] })).toEqual({ ok: true, handled: 1 });
    await w.sim.runAsync({ forMs: 10_000 });
    expect(w.repaired).toEqual([{ paths: ['/f'], gone: [GONE] }]);
    expect(w.reactive.counters.checksDeferred).toBeGreaterThan(0);
  });

  it('is given up once the hand-over time has passed without a record', async () => {
    const w = world(Infinity);
    w.reactive.gone({ peer: GONE, keys: [KEY] });
    await w.sim.runAsync({ forMs: HANDOFF_MS * 4 });
    expect(w.repaired).toEqual([]);
    const deferred = w.reactive.counters.checksDeferred;
    expect(deferred).toBeGreaterThan(0);
    await w.sim.runAsync({ forMs: HANDOFF_MS * 4 });
    expect(w.reactive.counters.checksDeferred).toBe(deferred);
  });
});
