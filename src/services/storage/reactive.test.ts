// Proves repair reacts to departures: the holders of a chunk crash (or leave) one after another, far faster than the periodic pass, and the departed peers' successors tell the sKeeper at once, so every chunk keeps r live replicas and the file reads back, on the oracle ring and on ChordRing.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { Simulator } from '../../sim/simulator.js';
import { settle } from '../../sim/settle.js';
import { StorageCluster } from '../../sim/scenarios/storage.js';
import { OverlayNet, type OverlayPeer } from '../../sim/scenarios/overlay-net.js';
import { StorageService } from './service.js';
import { pathKey } from './paths.js';
import { pseudoBytes as data } from './test-util/cluster.js';

/** Far longer than the test: only the reactive path can repair in time. */
const PERIOD_MS = 3_600_000;
/** Time between departures: the oracle ring's detection (5 s), the notice, the probe and the copy fit. */
const GAP_MS = 15_000;
const CHORD_CONFIG = { stabilizeIntervalMs: 500, fixFingersIntervalMs: 500, checkPredecessorIntervalMs: 500, requestTimeoutMs: 1500 };

async function readAll(svc: StorageService, path: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of await svc.client.open(path)) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

interface World {
  sim: Simulator;
  services(): Map<PeerId, StorageService>;
  /** Make a peer go: crash it (its store lost) or, where the ring has it, leave gracefully. */
  depart(id: PeerId, graceful: boolean): void;
}

/**
 * Write a file, then make three peers that hold chunk 0 depart, GAP_MS apart, none of them its
 * sKeeper; returns the live replica count of every chunk (from the holders' own stores) and the
 * bytes read back.
 */
async function departThree(w: World, graceful: boolean[]): Promise<{ live: number[]; bytes: Uint8Array; want: Uint8Array; notices: number }> {
  const want = data(20_000, 7);
  const writer = [...w.services().values()][0]!;
  await settle(w.sim, writer.client.mkdir('/d'), { forMs: 600_000 });
  const put = await settle(w.sim, writer.client.put('/d/f', [want], { chunkBytes: 4096 }), { forMs: 600_000 });
  await w.sim.runAsync({ forMs: 3_000 });
  let notices = 0;
  for (let k = 0; k < 3; k++) {
    const svcs = w.services();
    const st = await settle(w.sim, [...svcs.values()][1]!.client.stat('/d/f'), { forMs: 600_000 });
    if (st.kind !== 'file') throw new Error('not a file');
    const keeper = [...svcs].find(([, s]) => s.repairer.ring.owns(pathKey('/d/f')))?.[0];
    const holders: PeerId[] = [];
    for (const [id, s] of svcs) if (id !== writer.repairer.ring.self && (await s.holder.store.has(st.chunks[0]!.id))) holders.push(id);
    expect(holders.length, `departure ${k}`).toBeGreaterThan(0);
    // The sKeeper last, when another holder can go: its successor takes its records over.
    w.depart(holders.find((h) => h !== keeper) ?? holders[0]!, graceful[k] ?? false);
    await w.sim.runAsync({ forMs: GAP_MS });
  }
  const svcs = w.services();
  for (const s of svcs.values()) notices += s.reactive.counters.noticesReceived;
  const st = await settle(w.sim, writer.client.stat('/d/f'), { forMs: 600_000 });
  if (st.kind !== 'file') throw new Error('not a file');
  const live: number[] = [];
  for (const c of st.chunks) {
    let n = 0;
    for (const s of svcs.values()) if (await s.holder.store.has(c.id)) n++;
    live.push(n);
  }
  expect(put.chunks).toBe(5);
  return { live, bytes: await settle(w.sim, readAll(writer, '/d/f'), { forMs: 600_000 }), want, notices };
}

describe('repair that reacts to departures', () => {
  for (const seed of [1, 2]) {
    it(`keeps r live replicas on the oracle ring while three holders crash within one period (seed ${seed})`, async () => {
      const sim = new Simulator({ seed });
      const cluster = new StorageCluster(sim, { quotaBytes: 1 << 24, repairPeriodMs: PERIOD_MS });
      for (let i = 0; i < 12; i++) cluster.add();
      // The periodic loop is off: anything repaired here was repaired by a departure notice.
      for (const s of cluster.live()) s.repairer.stop();
      const r = await departThree({ sim, services: () => cluster.services as Map<PeerId, StorageService>, depart: (id) => cluster.crash(id, false) }, []);
      expect(r.bytes, `seed ${seed}`).toEqual(r.want);
      expect(Math.min(...r.live), `seed ${seed}`).toBeGreaterThanOrEqual(3);
      expect(r.notices).toBeGreaterThan(0);
    });
  }

  // The last case as on real links: a killed process's link still looks up on the other side until
  // the dead-link timer (DEAD_LINK_MS, 10 s), swallowing what is routed through it.
  const chordCases = [
    { seed: 1, graceful: [true, false, false], linkDetectMs: undefined },
    { seed: 2, graceful: [true, false, false], linkDetectMs: undefined },
    { seed: 1, graceful: [false, false, false], linkDetectMs: 10_000 },
  ];
  for (const { seed, graceful, linkDetectMs } of chordCases) {
    const how = linkDetectMs === undefined ? 'leave and crash' : `crash, their links up ${linkDetectMs / 1000} s after,`;
    it(`keeps r live replicas on ChordRing while holders ${how} within one period (seed ${seed})`, async () => {
      const sim = new Simulator({ seed, network: linkDetectMs === undefined ? {} : { failureDetectionMs: linkDetectMs, silentCrashes: true } });
      const net = new OverlayNet(sim, CHORD_CONFIG);
      net.add(null);
      for (let i = 1; i < 16; i++) sim.schedule(i * 100, () => void net.addThroughRandom());
      sim.run({ untilMs: 2_000 });
      for (let t = 0; !net.check().ok && t < 300; t++) sim.run({ forMs: 100 });
      expect(net.check().ok, `ring did not converge (seed ${seed})`).toBe(true);
      const svcs = new Map<PeerId, StorageService>();
      const peers = new Map<PeerId, OverlayPeer>();
      for (const p of net.live()) {
        const s = new StorageService(p.ring, p.node.env, { quotaBytes: 1 << 24, requestTimeoutMs: 3000, repairPeriodMs: PERIOD_MS });
        s.start();
        s.repairer.stop();
        svcs.set(p.node.id, s);
        peers.set(p.node.id, p);
      }
      const depart = (id: PeerId, graceful: boolean): void => {
        svcs.get(id)!.stop();
        svcs.delete(id);
        if (graceful) net.leave(peers.get(id)!);
        else net.crash(peers.get(id)!);
      };
      const r = await departThree({ sim, services: () => svcs, depart }, graceful);
      expect(r.bytes, `seed ${seed}`).toEqual(r.want);
      expect(Math.min(...r.live), `seed ${seed}`).toBeGreaterThanOrEqual(3);
      expect(r.notices).toBeGreaterThan(0);
    });
  }
});
