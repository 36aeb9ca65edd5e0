// Proves storage works over the real Chord overlay in the simulator: a file written through routed requests reads back after a holder crashes, and a repair round restores r live replicas.
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../sim/simulator.js';
import { settle } from '../../sim/settle.js';
import { OverlayNet } from '../../sim/scenarios/overlay-net.js';
import { StorageService } from './service.js';
import { pathKey } from './paths.js';

const CONFIG = { stabilizeIntervalMs: 500, fixFingersIntervalMs: 500, checkPredecessorIntervalMs: 500, requestTimeoutMs: 1500 };

function data(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 7;
  for (let i = 0; i < n; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

describe('storage over ChordRing', () => {
  for (const seed of [1, 2, 3]) {
    it(`survives a holder crash and repairs it (seed ${seed})`, async () => {
      const sim = new Simulator({ seed });
      const net = new OverlayNet(sim, CONFIG);
      net.add(null);
      for (let i = 1; i < 24; i++) sim.schedule(i * 100, () => void net.addThroughRandom());
      sim.run({ untilMs: 3_000 });
      let t = 0;
      while (!net.check().ok && t++ < 300) sim.run({ forMs: 100 });
      expect(net.check().ok, `ring did not converge (seed ${seed})`).toBe(true);
      const svcs = new Map(net.live().map((p) => {
        const s = new StorageService(p.ring, p.node.env, { quotaBytes: 1 << 24, repair: false, requestTimeoutMs: 3000 });
        s.start();
        return [p.node.id as string, s] as const;
      }));
      const peers = net.live();
      const a = svcs.get(peers[0]!.node.id)!;
      await settle(sim, a.client.mkdir('/d'), { forMs: 600_000 });
      const bytes = data(20_000);
      await settle(sim, a.client.put('/d/f', [bytes], { chunkBytes: 8192 }), { forMs: 600_000 });
      const st = await settle(sim, svcs.get(peers[1]!.node.id)!.client.stat('/d/f'), { forMs: 600_000 });
      if (st.kind !== 'file') throw new Error('not a file');
      // Crash a holder of chunk 0 that is not the file's keeper.
      const keeperId = net.trueOwner(pathKey('/d/f'))!;
      const victim = st.chunks[0]!.holders.find((h) => h !== keeperId)!;
      net.crash(peers.find((p) => p.node.id === victim)!);
      svcs.delete(victim);
      sim.run({ forMs: 10_000 });
      const reader = [...svcs.values()][2]!;
      const readAll = async () => {
        const parts: Uint8Array[] = [];
        for await (const c of await reader.client.open('/d/f')) parts.push(c);
        return parts;
      };
      const parts = await settle(sim, readAll(), { forMs: 600_000 });
      const got = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
      let off = 0;
      for (const p of parts) { got.set(p, off); off += p.length; }
      expect(got, `seed ${seed}`).toEqual(bytes);
      const keeper = svcs.get(net.trueOwner(pathKey('/d/f'))!)!;
      await settle(sim, keeper.repairer.round(), { forMs: 600_000 });
      const after = await keeper.keeper.store.getRecord(pathKey('/d/f'));
      expect(after?.kind === 'file' && after.chunks.every((c) => c.holders.length >= 3 && !c.holders.includes(victim)), `seed ${seed}`).toBe(true);
    });
  }
});
