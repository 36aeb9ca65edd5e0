// Proves, over many seeds on the simulator, that two rings formed apart (not the halves of one ring
// split by a partition) merge into one exact ring once any peer of one is told of any peer of the
// other (ChordRing.meet), whatever their sizes, a lone peer included (a server's peer that
// created a ring of its own while the volunteers' ring went on); and that meeting a peer of our
// own ring changes nothing. A failing case names the seed that reproduces it.
import { describe, expect, it } from 'vitest';
import { bytesToHex, idFromHex, type Id } from '../core/id.js';
import { Simulator } from '../sim/simulator.js';
import { OverlayNet, type OverlayPeer } from '../sim/scenarios/overlay-net.js';
import { checkRing } from './checker.js';

const CONFIG = { stabilizeIntervalMs: 1000, fixFingersIntervalMs: 1000, checkPredecessorIntervalMs: 1000 };
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
/** Bound on a merge: a few dozen base periods (zipping two rings walks back one peer per round). */
const MERGE_BOUND_MS = 60_000;

/** Grow a ring of n peers in net, each joining through a random peer of that ring already in place. */
function growRing(net: OverlayNet, n: number, gapMs = 150): OverlayPeer[] {
  const ring = [net.add(null)];
  const rng = net.sim.stream(`grow-${net.peers.length}`);
  for (let i = 1; i < n; i++) {
    net.sim.run({ untilMs: net.sim.now() + gapMs });
    const placed = ring.filter((p) => p.ring.isJoined());
    ring.push(net.add(placed[rng.int(placed.length)]!.node.id));
  }
  return ring;
}

function runUntilExact(net: OverlayNet, peers: () => OverlayPeer[], seed: number, what: string): number {
  const start = net.sim.now();
  for (;;) {
    const c = checkRing(peers().map((p) => p.ring));
    if (c.ok && c.peers === peers().length) return net.sim.now() - start;
    if (net.sim.now() - start > MERGE_BOUND_MS) throw new Error(`${what}: not one exact ring after ${MERGE_BOUND_MS} ms (reproduce with seed ${seed}): ${c.problems.join('; ')}`);
    net.sim.run({ untilMs: net.sim.now() + 100 });
  }
}

function lookupsReachTrueOwner(net: OverlayNet, count: number): number {
  const rng = net.sim.stream('merge-lookups');
  let ok = 0;
  let done = 0;
  for (let i = 0; i < count; i++) {
    const key = idFromHex(bytesToHex(rng.bytes(20))) as Id;
    net.randomJoined()!.ring.lookupCb(key, undefined, (e, r) => {
      done++;
      if (!e && r?.owner === net.trueOwner(key, true)) ok++;
    });
  }
  net.sim.run({ until: () => done >= count, untilMs: net.sim.now() + 10_000 });
  return ok;
}

describe('two rings formed apart', () => {
  it.each(SEEDS.flatMap((seed) => [[seed, 20, 20], [seed, 1, 24], [seed, 30, 6]]))('merge once one peer meets one of the other (seed %i, %i and %i peers)', (seed, nA, nB) => {
    const net = new OverlayNet(new Simulator({ seed }), CONFIG);
    const a = growRing(net, nA);
    const b = growRing(net, nB);
    runUntilExact(net, () => a, seed, 'ring A');
    runUntilExact(net, () => b, seed, 'ring B');
    // Formed apart: nobody of one ring knows anybody of the other, and each is exact on its own.
    net.sim.run({ untilMs: net.sim.now() + 10_000 });
    expect(checkRing(a.map((p) => p.ring)).ok && checkRing(b.map((p) => p.ring)).ok, `seed ${seed}`).toBe(true);
    const rng = net.sim.stream('meet');
    const from = a[rng.int(a.length)]!;
    const to = b[rng.int(b.length)]!;
    from.ring.meet([to.node.id]);
    const tookMs = runUntilExact(net, () => net.live(), seed, 'after one meeting');
    expect(tookMs, `seed ${seed}`).toBeLessThan(MERGE_BOUND_MS);
    expect(lookupsReachTrueOwner(net, 100), `seed ${seed}`).toBe(100);
    // The meeting is over once its peer answers from our own ring.
    net.sim.run({ untilMs: net.sim.now() + 20_000 });
    expect(from.ring.meeting(), `seed ${seed}`).toEqual([]);
  });

  it.each(SEEDS.slice(0, 4))('meeting a peer of our own ring changes nothing (seed %i)', (seed) => {
    const net = new OverlayNet(new Simulator({ seed }), CONFIG);
    const a = growRing(net, 24);
    runUntilExact(net, () => a, seed, 'ring');
    // Settled: successor lists full, fingers found.
    net.sim.run({ untilMs: net.sim.now() + 30_000 });
    const rng = net.sim.stream('meet');
    const from = a[rng.int(a.length)]!;
    const changes: number[] = [];
    from.ring.events.on('successors-changed', () => changes.push(net.sim.now()));
    from.ring.events.on('met', () => changes.push(net.sim.now()));
    from.ring.meet(a.filter((p) => p !== from).slice(0, 3).map((p) => p.node.id));
    net.sim.run({ untilMs: net.sim.now() + 30_000 });
    expect(changes, `seed ${seed}`).toEqual([]);
    expect(from.ring.meeting(), `seed ${seed}`).toEqual([]);
    expect(net.check().ok, `seed ${seed}`).toBe(true);
  });
});
