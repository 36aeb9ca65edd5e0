// Proves slices on simulated peers (oracle ring, gossip running): a slice is allocated with k
// members who build one ring in id order among themselves, a crashed member is replaced from the free
// pool, grow and shrink are honoured, two slices never share a peer, a `top` selection takes only
// peers of that top fraction, a keeper's crash loses no slice, and bad requests are refused.
import { describe, expect, it } from 'vitest';
import { hashNameToId, type PeerId } from '../../core/id.js';
import { CumulusError } from '../../core/errors.js';
import { GossipService } from '../../gossip/service.js';
import { OracleNetwork, OracleRing } from '../../sim/oracle-ring.js';
import { Simulator } from '../../sim/simulator.js';
import { DIRECTORY_KEY_NAME, REPAIR_PERIOD_MS, RING_PERIOD_MS, SLICES_SVC } from './constants.js';
import { SliceService } from './service.js';

const SEED = 11;

function cloud(seed: number, n: number) {
  const sim = new Simulator({ seed });
  const net = new OracleNetwork(20, 5_000);
  const peers = new Map<PeerId, { slices: SliceService; ring: OracleRing; storage: number }>();
  for (let i = 0; i < n; i++) {
    const node = sim.addNode();
    const ring = new OracleRing(net, node.id, node.env.clock);
    net.add(ring);
    const storage = 2 ** 30 * (i + 1);
    const attributes = () => ({ cores: 4, storageOfferedBytes: storage, storageUsedBytes: 0, tasksRunning: 0, uptimeS: 0 });
    const gossip = new GossipService({ ring, clock: node.env.clock, rng: node.env.rng.fork('gossip'), attributes, sliceBy: 'storageOfferedBytes' });
    const slices = new SliceService({ ring, clock: node.env.clock, rng: node.env.rng.fork('slices'), gossip, sliceBy: 'storageOfferedBytes' });
    gossip.start();
    slices.start();
    peers.set(node.id, { slices, ring, storage });
  }
  const crash = (id: PeerId): void => {
    peers.get(id)!.slices.stop();
    peers.delete(id);
    net.crash(id, (ms, fn) => sim.schedule(ms, fn));
    sim.crash(id);
  };
  /** Run the simulator until the promise settles (or the time is up), and hand back its value. */
  const settle = async <T>(p: Promise<T>, forMs = 60_000): Promise<T> => {
    let done = false;
    const out = p.finally(() => (done = true));
    for (let t = 0; t < forMs && !done; t += 100) await sim.runAsync({ forMs: 100 });
    return out;
  };
  const keeper = (): PeerId => [...peers.entries()].find(([, p]) => p.ring.owns(hashNameToId(DIRECTORY_KEY_NAME)))![0];
  return { sim, peers, crash, settle, keeper };
}

/** Every member names the slice, and its neighbours are its neighbours in the id-ordered list. */
function ringOk(peers: ReturnType<typeof cloud>['peers'], name: string, members: readonly PeerId[]): boolean {
  return members.every((m, i) => {
    const ms = peers.get(m)?.slices.membership();
    const n = members.length;
    return ms?.name === name && ms.succ === members[(i + 1) % n] && ms.pred === members[(i - 1 + n) % n];
  });
}

describe(`slices on 40 simulated peers (--seed ${SEED})`, () => {
  it('allocates, repairs a crashed member, grows, shrinks and keeps slices disjoint', async () => {
    const c = cloud(SEED, 40);
    await c.sim.runAsync({ forMs: 2_000 });
    const client = [...c.peers.values()].find((p) => !p.ring.owns(hashNameToId(DIRECTORY_KEY_NAME)))!.slices;
    const a = await c.settle(client.create({ name: 'web', owner: 'ann', size: 5 }));
    expect(a.members).toHaveLength(5);
    const b = await c.settle(client.create({ name: 'batch', owner: 'ann', size: 8 }));
    expect(b.members).toHaveLength(8);
    expect(a.members.filter((m) => b.members.includes(m))).toEqual([]);
    // The members build the ring among themselves from the keeper's seeds, in a few exchanges.
    await c.sim.runAsync({ forMs: 4 * RING_PERIOD_MS });
    expect(ringOk(c.peers, 'web', a.members)).toBe(true);
    expect((await c.settle(client.show('web', 'ann'))).ring).toEqual(a.members.map((_, i) => a.members[(i + 1) % a.members.length]));

    const lost = a.members.find((m) => m !== c.keeper())!;
    c.crash(lost);
    await c.sim.runAsync({ forMs: 5 * REPAIR_PERIOD_MS });
    const repaired = await c.settle(client.show('web', 'ann'));
    expect(repaired.members).toHaveLength(5);
    expect(repaired.members).not.toContain(lost);
    expect(repaired.repairs).toBeGreaterThanOrEqual(1);
    expect(ringOk(c.peers, 'web', repaired.members)).toBe(true);

    expect((await c.settle(client.resize('web', 'ann', 3))).members).toHaveLength(8);
    const shrunk = await c.settle(client.resize('batch', 'ann', -6));
    expect(shrunk.members).toHaveLength(2);
    await c.sim.runAsync({ forMs: 2 * REPAIR_PERIOD_MS });
    const held = [...c.peers.values()].filter((p) => p.slices.membership() !== null);
    expect(held).toHaveLength(10);
    expect(ringOk(c.peers, 'batch', shrunk.members)).toBe(true);

    expect(await c.settle(client.list('ann'))).toEqual([
      { name: 'web', size: 8, top: 1, by: 'storageOfferedBytes', members: 8 },
      { name: 'batch', size: 2, top: 1, by: 'storageOfferedBytes', members: 2 },
    ]);
    expect(await c.settle(client.list('bob'))).toEqual([]);
    await c.settle(client.remove('batch', 'ann'));
    await c.sim.runAsync({ forMs: 1_000 });
    expect([...c.peers.values()].filter((p) => p.slices.membership()?.name === 'batch')).toEqual([]);
  });

  it('selects the top fraction by the ranked attribute once gossip knows the deciles', async () => {
    const c = cloud(SEED + 1, 50);
    await c.sim.runAsync({ forMs: 8 * 30_000 });
    const client = c.peers.values().next().value!.slices;
    await c.settle(client.create({ name: 'big', owner: 'ann', size: 5, top: 0.2 }));
    // Candidates are drawn at random from the sample: the passes after the first fill the rest.
    await c.sim.runAsync({ forMs: 3 * REPAIR_PERIOD_MS });
    const s = await c.settle(client.show('big', 'ann'));
    expect(s.members).toHaveLength(5);
    const ranked = [...c.peers.entries()].sort((x, y) => y[1].storage - x[1].storage).map(([id]) => id);
    for (const m of s.members) expect(ranked.indexOf(m)).toBeLessThan(10);
  });

  it('keeps every slice when the keeper crashes, and refuses bad requests', async () => {
    const c = cloud(SEED + 2, 30);
    await c.sim.runAsync({ forMs: 2_000 });
    const first = c.keeper();
    const client = [...c.peers.entries()].find(([id]) => id !== first)![1];
    await c.settle(client.slices.create({ name: 'kept', owner: 'ann', size: 4 }));
    await c.sim.runAsync({ forMs: 2 * REPAIR_PERIOD_MS });
    c.crash(first);
    await c.sim.runAsync({ forMs: 4 * REPAIR_PERIOD_MS });
    expect(c.keeper()).not.toBe(first);
    const after = await c.settle(client.slices.show('kept', 'ann'));
    expect(after.members).toHaveLength(4);
    expect(after.members).not.toContain(first);

    const err = await c.settle(client.slices.create({ name: 'Bad Name!', owner: 'ann', size: 4 }).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(CumulusError);
    expect((err as CumulusError).code).toBe('SCHEMA_MISMATCH');
    const refused = c.peers.get(c.keeper())!.slices.counters.refused;
    client.ring.send(c.keeper(), SLICES_SVC, 'replica', { name: 'x', record: { members: 'all' } });
    client.ring.send(c.keeper(), SLICES_SVC, 'nonsense', {});
    await c.sim.runAsync({ forMs: 1_000 });
    expect(c.peers.get(c.keeper())!.slices.counters.refused).toBe(refused + 2);
    expect((await c.settle(client.slices.show('kept', 'ann'))).members).toHaveLength(4);
  });

  it('finishes a create whose keeper crashed mid-way, and lists what a crashed keeper let join', async () => {
    const c = cloud(SEED + 3, 30);
    await c.sim.runAsync({ forMs: 2_000 });
    const first = c.keeper();
    const client = [...c.peers.entries()].find(([id]) => id !== first)![1].slices;
    // The keeper crashes once its asks are out and before their answers: the create is lost with
    // it, the client's call times out and is sent again, to the next keeper.
    const created = client.create({ name: 'late', owner: 'ann', size: 4 });
    await c.sim.runAsync({ forMs: 50 });
    c.crash(first);
    const late = await c.settle(created, 150_000);
    expect(late.members).toHaveLength(4);
    expect(late.members).not.toContain(first);

    // A grow whose keeper crashes after its asks were taken: the next keeper holds the record as it
    // was before, while the peers that joined hold the slice's lease and stand in its ring. They
    // are listed (or released) by the next keeper's first passes, before their leases run out.
    const second = c.keeper();
    const peer = [...c.peers.entries()].find(([id]) => id !== second)![1].slices;
    await c.sim.runAsync({ forMs: 2 * REPAIR_PERIOD_MS });
    const grown = peer.resize('late', 'ann', 3).catch((e: unknown) => e);
    const believe = (): PeerId[] => [...c.peers.entries()].filter(([, p]) => p.slices.membership()?.name === 'late').map(([id]) => id);
    for (let t = 0; t < 10_000 && believe().length < 7; t += 10) await c.sim.runAsync({ forMs: 10 });
    expect(believe().length).toBe(7);
    c.crash(second);
    // Well within a member's lease (MEMBER_LEASE_MS): the peers that joined have not left on their own.
    await c.sim.runAsync({ forMs: 3 * REPAIR_PERIOD_MS });
    const after = await c.settle(peer.show('late', 'ann'));
    expect(after.members).not.toContain(second);
    expect(believe().sort()).toEqual([...after.members].sort());
    await c.sim.runAsync({ forMs: 2 * RING_PERIOD_MS });
    expect(ringOk(c.peers, 'late', (await c.settle(peer.show('late', 'ann'))).members)).toBe(true);
    expect(await c.settle(grown, 60_000)).toBeInstanceOf(CumulusError);
  });
});
