// Proves that a peer's gossip reports what its other services say (peer/gossip.ts): the tasks its
// jobs worker runs enter the network-wide sum, and a change is seen within two epochs.
import { describe, expect, it } from 'vitest';
import { EPOCH_MS } from '../gossip/constants.js';
import { OracleNetwork, OracleRing } from '../sim/oracle-ring.js';
import { Simulator } from '../sim/simulator.js';
import { startGossip } from './gossip.js';

describe('gossip on simulated peers fed by their services', () => {
  it('sums the tasks each peer\'s worker reports running', () => {
    const sim = new Simulator({ seed: 3 });
    const net = new OracleNetwork(20, 5_000);
    let running = 2;
    const peers = Array.from({ length: 16 }, () => {
      const node = sim.addNode();
      const ring = new OracleRing(net, node.id, node.env.clock);
      net.add(ring);
      const { gossip } = startGossip(ring, node.env.clock, node.env.rng, { cores: 4 }, { storage: () => null, tasksRunning: () => running });
      gossip.start();
      return gossip;
    });
    sim.run({ untilMs: 3 * EPOCH_MS + 1 });
    for (const g of peers) expect(g.estimates()!.sum.tasksRunning).toBeCloseTo(32, 0);
    running = 5;
    sim.run({ untilMs: 5 * EPOCH_MS + 1 });
    for (const g of peers) {
      expect(g.estimates()!.sum.tasksRunning).toBeCloseTo(80, 0);
      expect(g.estimates()!.max.tasksRunning).toBe(5);
    }
  });
});
