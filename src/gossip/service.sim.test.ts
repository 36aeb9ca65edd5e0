// Proves the gossip layer on simulated peers (oracle ring): views fill with distinct live peers
// and forget crashed ones, every peer's size, sum and maximum estimates match the truth and follow
// a crash within two epochs, peers joining late in an epoch do not skew it, and malformed gossip
// is refused without harm.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import { OracleNetwork, OracleRing } from '../sim/oracle-ring.js';
import { Simulator } from '../sim/simulator.js';
import { EPOCH_MS, VIEW_SIZE } from './constants.js';
import { GossipService } from './service.js';

const SEED = 5;
const PEERS = 64;

function cloud(seed: number, n: number) {
  const sim = new Simulator({ seed });
  const net = new OracleNetwork(20, 5_000);
  const peers = new Map<PeerId, { gossip: GossipService; ring: OracleRing; cores: number }>();
  const add = (i: number): void => {
    const node = sim.addNode();
    const ring = new OracleRing(net, node.id, node.env.clock);
    net.add(ring);
    const cores = 1 + (i % 8);
    const gossip = new GossipService({ ring, clock: node.env.clock, rng: node.env.rng, attributes: () => ({ cores, storageOfferedBytes: 2 ** 30 * (i + 1), storageUsedBytes: 0, tasksRunning: 0, uptimeS: 0 }), sliceBy: 'storageOfferedBytes' });
    gossip.start();
    peers.set(node.id, { gossip, ring, cores });
  };
  for (let i = 0; i < n; i++) add(i);
  const crash = (id: PeerId): void => {
    peers.get(id)!.gossip.stop();
    peers.delete(id);
    net.crash(id, (ms, fn) => sim.schedule(ms, fn));
    sim.crash(id);
  };
  return { sim, net, peers, crash, add };
}

describe(`gossip on ${PEERS} simulated peers (--seed ${SEED})`, () => {
  it('fills views with distinct live peers and agrees on size, sums and maxima', () => {
    const { sim, peers } = cloud(SEED, PEERS);
    sim.run({ untilMs: 4 * EPOCH_MS + 1 });
    const totalCores = [...peers.values()].reduce((s, p) => s + p.cores, 0);
    for (const [id, p] of peers) {
      const view = p.gossip.sampling.view.peers();
      expect(view.length).toBe(VIEW_SIZE);
      expect(new Set(view).size).toBe(view.length);
      expect(view).not.toContain(id);
      const e = p.gossip.estimates()!;
      expect(Math.abs(e.size - PEERS) / PEERS).toBeLessThan(0.01);
      expect(Math.abs(e.sum.cores - totalCores) / totalCores).toBeLessThan(0.01);
      expect(e.max.cores).toBe(8);
    }
  });

  it('forgets crashed peers and counts the survivors', () => {
    const { sim, peers, crash } = cloud(SEED + 1, PEERS);
    sim.run({ untilMs: 3 * EPOCH_MS });
    const dead = [...peers.keys()].slice(0, 8);
    dead.forEach(crash);
    sim.run({ forMs: 2 * EPOCH_MS + 1 });
    for (const p of peers.values()) expect(Math.abs(p.gossip.estimates()!.size - (PEERS - 8)) / (PEERS - 8)).toBeLessThan(0.02);
    sim.run({ forMs: 6 * EPOCH_MS });
    const stale = [...peers.values()].flatMap((p) => p.gossip.sampling.view.peers()).filter((q) => dead.includes(q));
    expect(stale).toEqual([]);
  });

  it('is not skewed by peers that join late in an epoch', () => {
    const { sim, peers, add } = cloud(SEED + 3, PEERS);
    sim.run({ untilMs: 3 * EPOCH_MS + 0.8 * EPOCH_MS });
    const old = [...peers.values()];
    // Newcomers hold no counting mass; met by old peers late in the epoch, when the others have
    // stopped mixing, they would halve those peers' mass (and double their size estimate).
    for (let i = 0; i < 16; i++) add(PEERS + i);
    sim.run({ forMs: 0.2 * EPOCH_MS + 1 });
    for (const p of old) expect(Math.abs(p.gossip.estimates()!.size - PEERS) / PEERS).toBeLessThan(0.05);
  });

  it('refuses malformed gossip and keeps going', () => {
    const { sim, peers } = cloud(SEED + 2, 8);
    sim.run({ untilMs: 1_000 });
    const [a, b] = [...peers.values()];
    a!.ring.send(b!.ring.self, 'gossip', 'agg', { n: 1, epoch: -1, avg: [], max: [], count: [], slice: {} });
    a!.ring.send(b!.ring.self, 'gossip', 'shuffle', { n: 1, entries: Array.from({ length: 100 }, () => ({ p: a!.ring.self, a: 0 })) });
    a!.ring.send(b!.ring.self, 'gossip', 'nonsense', {});
    sim.run({ untilMs: 2 * EPOCH_MS + 1 });
    expect(b!.gossip.counters.refused).toBe(3);
    expect(b!.gossip.estimates()!.size).toBeCloseTo(8, 1);
  });
});
