// Proves an attached peer (attach.ts) owns no key on the simulator: members never list it, route through it or deliver a key to it; its own requests reach each key's owner and their replies reach it, also after members join and its successors crash.
import { describe, expect, it } from 'vitest';
import { hashNameToId, idFromHex, inInterval, type Id, type PeerId } from '../core/id.js';
import { Simulator } from '../sim/simulator.js';
import { OverlayNet } from '../sim/scenarios/overlay-net.js';
import { Mux } from './mux.js';
import { ChordRing } from './ring.js';

const SEED = 5;
const CONFIG = { stabilizeIntervalMs: 500, fixFingersIntervalMs: 500, checkPredecessorIntervalMs: 500, requestTimeoutMs: 1500 };
const SETTLE_BOUND_MS = 30_000;
const KEYS = 40;

interface Setup {
  sim: Simulator;
  net: OverlayNet;
  attached: ChordRing;
  /** Key messages delivered to the attached peer's service: must stay 0. */
  misdelivered: { n: number };
}

function setup(members: number): Setup {
  const sim = new Simulator({ seed: SEED });
  const net = new OverlayNet(sim, CONFIG);
  net.add(null);
  for (let i = 1; i < members; i++) {
    sim.run({ forMs: 300 });
    net.addThroughRandom();
  }
  settle(sim, net);
  for (const p of net.live()) answerProbes(p.ring);
  const node = sim.addNode();
  const mux = new Mux(node.env.net, { clock: node.env.clock });
  const attached = new ChordRing({ clock: node.env.clock, rng: node.env.rng, mux, self: node.id, ring: 'base', config: CONFIG, attached: true });
  const misdelivered = { n: 0 };
  attached.onService('probe', () => misdelivered.n++);
  attached.join(net.randomJoined()!.node.id).catch(() => undefined);
  sim.run({ forMs: 5_000 });
  return { sim, net, attached, misdelivered };
}

function settle(sim: Simulator, net: OverlayNet): void {
  const start = sim.now();
  while (!net.consistent()) {
    if (sim.now() - start > SETTLE_BOUND_MS) throw new Error(`the ring did not settle (reproduce with seed ${SEED}): ${net.check().problems.join('; ')}`);
    sim.run({ forMs: 100 });
  }
}

/** Members answer a 'probe' request for a key with their own id. */
function answerProbes(ring: ChordRing): void {
  ring.onService('probe', (env) => void ring.reply(env, { owner: ring.self }));
}

function ownerOf(net: OverlayNet, key: Id): PeerId {
  const ids = net.live().map((p) => p.node.id).sort();
  return ids.find((p, i) => inInterval(key, idFromHex(ids[(i - 1 + ids.length) % ids.length]!), idFromHex(p), false, true)) ?? ids[0]!;
}

/** Ask the owner of KEYS keys through `from`; the answers, or the errors, in key order. */
async function probe(s: Setup, from: ChordRing): Promise<Array<{ key: Id; owner: PeerId | string }>> {
  const out: Array<{ key: Id; owner: PeerId | string }> = [];
  for (let i = 0; i < KEYS; i++) {
    const key = hashNameToId(`key-${i}`);
    const row: { key: Id; owner: PeerId | string } = { key, owner: 'pending' };
    out.push(row);
    from.request(key, 'probe', 'who', {}, { timeoutMs: 4_000 }).then(
      (env) => void (row.owner = (env.body as { owner: PeerId }).owner),
      (e: Error) => void (row.owner = `error ${e.message}`),
    );
  }
  s.sim.run({ forMs: 5_000 });
  await flush();
  return out;
}

/** Let the promises settled by the simulator's events run their callbacks. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function expectNobodyLists(s: Setup): void {
  const me = s.attached.self;
  for (const p of s.net.live()) {
    expect(p.ring.successors()).not.toContain(me);
    expect(p.ring.predecessor()).not.toBe(me);
    expect(p.ring.fingers().map((f) => f.peer)).not.toContain(me);
  }
}

describe(`an attached peer on the simulator (--seed ${SEED})`, () => {
  it('owns nothing, is listed by no member, and reaches every key owner with replies coming back', async () => {
    const s = setup(12);
    expect(s.attached.isJoined()).toBe(true);
    expect(s.attached.predecessor()).toBeNull();
    expect([0, 1, 2].map((i) => s.attached.owns(hashNameToId(`k${i}`)))).toEqual([false, false, false]);
    expect(s.attached.owns(idFromHex(s.attached.self))).toBe(false);
    expectNobodyLists(s);
    // Routed toward the attached peer's own id, a key ends at its owner among the members.
    const own = (await probe(s, s.net.live()[3]!.ring)).concat(await probe(s, s.attached));
    for (const row of own) expect(row.owner).toBe(ownerOf(s.net, row.key));
    expect(s.misdelivered.n).toBe(0);
    // Members asked for the attached peer's own id find its successor, never the attached peer.
    const around = s.net.live()[0]!.ring.lookup(idFromHex(s.attached.self));
    let found: PeerId | null = null;
    around.then((r) => void (found = r.owner), () => undefined);
    s.sim.run({ forMs: 3_000 });
    await flush();
    expect(found).toBe(ownerOf(s.net, idFromHex(s.attached.self)));
  });

  it('follows the ring as members join after it attached and its successors crash', async () => {
    // Attached to a ring of two: nearly every member that joins later takes over its id at some point.
    const s = setup(2);
    const mine = idFromHex(s.attached.self);
    const grow = (n: number) => {
      for (let i = 0; i < n; i++) {
        s.sim.run({ forMs: 300 });
        answerProbes(s.net.addThroughRandom().ring);
      }
      settle(s.sim, s.net);
      s.sim.run({ forMs: 3_000 });
    };
    grow(10);
    expect(s.attached.successors()[0]).toBe(ownerOf(s.net, mine));
    expectNobodyLists(s);
    for (const row of await probe(s, s.attached)) expect(row.owner).toBe(ownerOf(s.net, row.key));
    // Its linked successors crash; members join again.
    for (const p of s.attached.successors().slice(0, 2)) s.net.crash(s.net.live().find((q) => q.node.id === p)!);
    grow(4);
    expect(s.attached.successors()[0]).toBe(ownerOf(s.net, mine));
    expectNobodyLists(s);
    for (const row of await probe(s, s.attached)) expect(row.owner).toBe(ownerOf(s.net, row.key));
    expect(s.misdelivered.n).toBe(0);
  });
});
