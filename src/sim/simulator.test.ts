// Proves the simulator is deterministic from its seed and models partitions, crashes, restarts,
// invariant checkers, convergence bounds and async continuations at the right virtual time.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import type { LinkDownReason } from '../env/ports.js';
import { PING_OPTIONS, runPing } from './scenarios/ping.js';
import { withDefaults } from '../core/options.js';
import { SimFailureError, Simulator, type SimNode } from './index.js';

const SEED = 21;

function recorder(node: SimNode): { ups: PeerId[]; downs: Array<[PeerId, LinkDownReason]>; frames: number } {
  const r = { ups: [] as PeerId[], downs: [] as Array<[PeerId, LinkDownReason]>, frames: 0 };
  node.env.net.setHandler({
    onLinkUp: (p) => r.ups.push(p),
    onLinkDown: (p, why) => r.downs.push([p, why]),
    onMessage: () => r.frames++,
  });
  return r;
}

describe('determinism', () => {
  it('gives the same digest for the same seed and another for another seed', () => {
    const a = runPing(withDefaults(PING_OPTIONS, { nodes: 200, seconds: 20, seed: 5 }));
    const b = runPing(withDefaults(PING_OPTIONS, { nodes: 200, seconds: 20, seed: 5 }));
    const c = runPing(withDefaults(PING_OPTIONS, { nodes: 200, seconds: 20, seed: 6 }));
    expect(b.digest, 'seed 5 twice').toBe(a.digest);
    expect(b.events).toBe(a.events);
    expect(c.digest, 'seeds 5 and 6').not.toBe(a.digest);
    expect(a.pongs).toBeGreaterThan(3_000);
  });
});

describe('timer handles', () => {
  it('a fired timer\'s handle cancels nothing, not even the event that reuses its slot', () => {
    const sim = new Simulator({ seed: SEED });
    const clock = sim.addNode().env.clock;
    const fired: string[] = [];
    const first: ReturnType<typeof clock.setTimer> = clock.setTimer(10, () => {
      fired.push('first');
      clock.cancel(first); // its own handle, inside its callback
      clock.setTimer(10, () => fired.push('second')); // takes the slot just freed
      clock.cancel(first);
    });
    sim.run({ forMs: 15 });
    const third = clock.setTimer(10, () => fired.push('third'));
    clock.cancel(first); // stale: its slot now holds 'second' or 'third'
    sim.run({ forMs: 30 });
    clock.cancel(third); // already fired
    const fourth = clock.setTimer(10, () => fired.push('fourth'));
    clock.cancel(fourth);
    sim.run({ forMs: 30 });
    expect(fired).toEqual(['first', 'second', 'third']);
  });
});

describe('frames', () => {
  it('delivers the bytes as they were sent, even if the sender then reuses its buffer', () => {
    const sim = new Simulator({ seed: SEED });
    const [a, b] = [sim.addNode(), sim.addNode()] as [SimNode, SimNode];
    recorder(a);
    const got: number[][] = [];
    b.env.net.setHandler({ onLinkUp: () => {}, onLinkDown: () => {}, onMessage: (_p, f) => got.push([...f]) });
    a.env.net.connect(b.id);
    sim.run({ forMs: 1_000 });
    const pool = Buffer.from([1, 2, 3, 4]);
    expect(a.env.net.send(b.id, pool.subarray(0, 2))).toBe(true);
    pool.fill(9);
    expect(a.env.net.send(b.id, pool.subarray(2))).toBe(true);
    sim.run({ forMs: 1_000 });
    expect(got).toEqual([[1, 2], [9, 9]]);
  });
});

describe(`faults (--seed ${SEED})`, () => {
  it('cuts links across a partition, refuses connects across it, and heals', () => {
    const sim = new Simulator({ seed: SEED });
    const [a, b, c] = [sim.addNode(), sim.addNode(), sim.addNode()] as [SimNode, SimNode, SimNode];
    const ra = recorder(a);
    const rb = recorder(b);
    recorder(c);
    a.env.net.connect(b.id);
    sim.run({ forMs: 1_000 });
    expect(a.env.net.isLinked(b.id), `seed ${SEED}`).toBe(true);
    sim.partition([[a.id], [b.id, c.id]]);
    expect(a.env.net.send(b.id, Uint8Array.of(1))).toBe(false);
    sim.run({ forMs: sim.network.failureDetectionMs + 1_000 });
    expect(ra.downs).toEqual([[b.id, 'timeout']]);
    expect(rb.downs).toEqual([[a.id, 'timeout']]);
    expect(rb.frames).toBe(0);
    a.env.net.connect(c.id);
    sim.run({ forMs: sim.network.connectTimeoutMs + 1_000 });
    expect(ra.downs[1]).toEqual([c.id, 'connect-failed']);
    sim.heal();
    a.env.net.connect(b.id);
    sim.run({ forMs: 1_000 });
    expect(a.env.net.isLinked(b.id) && b.env.net.isLinked(a.id), `seed ${SEED}`).toBe(true);
  });

  it('crashes a node (peers notice after the detection delay) and restarts it with or without its store', async () => {
    const sim = new Simulator({ seed: SEED });
    const a = sim.addNode();
    const b = sim.addNode();
    const rb = recorder(b);
    a.env.net.connect(b.id);
    await a.env.store.put(Uint8Array.of(1), Uint8Array.of(42));
    sim.run({ forMs: 1_000 });
    let fired = false;
    a.env.clock.setTimer(10, () => (fired = true));
    const oldEnv = a.env;
    sim.crash(a.id);
    sim.run({ forMs: sim.network.failureDetectionMs - 100 });
    expect(rb.downs, 'not noticed before the detection delay').toEqual([]);
    sim.run({ forMs: 200 });
    expect(rb.downs).toEqual([[a.id, 'timeout']]);
    expect(fired, 'timers of a crashed node never fire').toBe(false);
    b.env.net.connect(a.id);
    sim.run({ forMs: sim.network.connectTimeoutMs + 100 });
    expect(rb.downs[1]).toEqual([a.id, 'connect-failed']);

    const kept = sim.restart(a.id, { keepStore: true });
    expect(kept.env).not.toBe(oldEnv);
    expect(oldEnv.net.send(b.id, Uint8Array.of(1))).toBe(false);
    expect(await kept.env.store.get(Uint8Array.of(1))).toEqual(Uint8Array.of(42));
    kept.env.net.connect(b.id);
    sim.run({ forMs: 1_000 });
    expect(b.env.net.isLinked(a.id), `seed ${SEED}`).toBe(true);

    sim.crash(a.id);
    const fresh = sim.restart(a.id, { keepStore: false });
    expect(await fresh.env.store.get(Uint8Array.of(1))).toBeUndefined();
  });

  it('keeps links ordered when lost frames are retransmitted, and drops them in raw mode', () => {
    for (const mode of ['reliable', 'raw'] as const) {
      const sim = new Simulator({ seed: SEED, network: { mode, lossRate: 0.2 } });
      const a = sim.addNode();
      const b = sim.addNode();
      const got: number[] = [];
      b.env.net.setHandler({ onLinkUp: () => {}, onLinkDown: () => {}, onMessage: (_p, f) => got.push(f[0]!) });
      a.env.net.connect(b.id);
      sim.run({ forMs: 1_000 });
      for (let i = 0; i < 200; i++) a.env.net.send(b.id, Uint8Array.of(i));
      sim.run({ forMs: 5_000 });
      if (mode === 'reliable') expect(got, `seed ${SEED}`).toEqual(Array.from({ length: 200 }, (_, i) => i));
      else expect(got.length, `seed ${SEED}`).toBeLessThan(190);
    }
  });
});

describe(`checkers and convergence (--seed ${SEED})`, () => {
  it('fails a run whose checker fails, naming the checker and the seed', () => {
    const sim = new Simulator({ seed: SEED });
    let ticks = 0;
    sim.addNode().env.clock.setTimer(10_000, () => {});
    sim.addChecker('at most three ticks', () => ++ticks <= 3 || `tick ${ticks}`, 1_000);
    expect(() => sim.run()).toThrowError(SimFailureError);
    expect(ticks).toBe(4);
    const again = new Simulator({ seed: SEED });
    again.addChecker('throws', () => { throw new Error('invariant broken'); }, 10);
    again.addNode().env.clock.setTimer(100, () => {});
    expect(() => again.run()).toThrowError(/checker throws failed: invariant broken \(reproduce with --seed 21\)/);
  });

  it('reports how long convergence took, or fails past the bound', () => {
    const sim = new Simulator({ seed: SEED });
    const nodes = Array.from({ length: 5 }, () => sim.addNode());
    for (const n of nodes) recorder(n);
    for (const n of nodes.slice(1)) n.env.net.connect(nodes[0]!.id);
    const result = sim.runUntilConverged(2_000, () => nodes[0]!.env.net.links().length === 4, { checkEveryMs: 10 });
    expect(result.tookMs, `seed ${SEED}`).toBeGreaterThan(0);
    expect(result.tookMs).toBeLessThanOrEqual(200);
    expect(() => sim.runUntilConverged(500, () => false)).toThrowError(/did not converge within 500 ms.*--seed 21/);
  });

  it('wraps an exception thrown by protocol code with the seed', () => {
    const sim = new Simulator({ seed: SEED });
    sim.addNode().env.clock.setTimer(5, () => { throw new Error('bug'); });
    expect(() => sim.run()).toThrowError(/at 5\.000 ms.*bug \(reproduce with --seed 21\)/);
  });
});

describe(`runAsync (--seed ${SEED})`, () => {
  it('runs promise continuations at the virtual time of the event that caused them', async () => {
    const sim = new Simulator({ seed: SEED });
    const node = sim.addNode();
    const seen: number[] = [];
    const work = async (): Promise<void> => {
      await node.env.store.put(Uint8Array.of(1), Uint8Array.of(1));
      await node.env.store.get(Uint8Array.of(1));
      seen.push(sim.now());
      node.env.clock.setTimer(100, () => void work());
    };
    node.env.clock.setTimer(50, () => void work());
    await sim.runAsync({ untilMs: 500 });
    expect(seen).toEqual([50, 150, 250, 350, 450]);
  });
});

describe(`recycled links (--seed ${SEED})`, () => {
  it('never deliver a frame to or from the wrong node', () => {
    const sim = new Simulator({ seed: SEED, network: { breakRate: 0.01, failureDetectionMs: 200, connectTimeoutMs: 300 } });
    const rng = sim.stream('test');
    const nodes = Array.from({ length: 12 }, () => sim.addNode());
    const index = new Map(nodes.map((n) => [n.id, n.index]));
    const problems: string[] = [];
    let delivered = 0;
    // Every node sends frames [from, to] and checks that each frame it gets names it and its sender:
    // a link recycled with state of its earlier use would deliver to or from the wrong node.
    const start = (node: SimNode): void => {
      const net = node.env.net;
      net.setHandler({
        onLinkUp: (p) => { if (!index.has(p)) problems.push(`link up with unknown ${p}`); },
        onLinkDown: () => {},
        onMessage: (p, frame) => {
          delivered++;
          if (frame[0] !== index.get(p) || frame[1] !== node.index) problems.push(`frame ${frame.join(',')} from ${index.get(p)} at ${node.index}`);
        },
      });
      const tick = (): void => {
        const peer = nodes[rng.int(nodes.length)]!;
        if (peer === node) return void node.env.clock.setTimer(7, tick);
        if (net.isLinked(peer.id)) {
          if (rng.next() < 0.2) net.disconnect(peer.id);
          else net.send(peer.id, Uint8Array.of(node.index, peer.index));
        } else {
          net.connect(peer.id);
        }
        node.env.clock.setTimer(7, tick);
      };
      node.env.clock.setTimer(rng.int(7), tick);
    };
    nodes.forEach((n) => start(n));
    for (let round = 1; round <= 20; round++) {
      sim.run({ forMs: 250 });
      const victim = nodes[rng.int(nodes.length)]!;
      start(sim.restart(victim.id));
      if (round % 5 === 0) sim.partition([nodes.slice(0, 6).map((n) => n.id)]);
      if (round % 5 === 2) sim.heal();
    }
    sim.run({ forMs: 1_000 });
    expect(problems).toEqual([]);
    expect(delivered).toBeGreaterThan(2_000);
    expect(sim.queue.links.created, 'links were recycled').toBeLessThan(sim.stats.connects / 2);
  });
});
