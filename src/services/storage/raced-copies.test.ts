// Proves a raced copy leaves nothing unrecorded behind: placement cancels a silent candidate it raced past (the holder drops the half-assembled chunk when the owner answers late), records a raced owner that answered and finished as an extra holder, and a holder drops an assembly its writer abandoned or that went stale while its table is full.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../env/memory-store.js';
import { CumulusError } from '../../core/errors.js';
import { hashBytesToId, idToHex, type Id, type PeerId } from '../../core/id.js';
import type { Envelope } from '../../core/envelope.js';
import type { RingPort } from '../../overlay/port.js';
import { Simulator } from '../../sim/simulator.js';
import { settle } from '../../sim/settle.js';
import { ASSEMBLY_STALE_MS, DEFAULT_REQUEST_TIMEOUT_MS, MAX_ASSEMBLIES, PIECE_BYTES, PLACE_HEDGE_MS } from './constants.js';
import { Holder } from './holder.js';
import { HolderStore } from './holder-store.js';
import { candidateKey } from './placement.js';
import { placeChunk } from './replicas.js';
import { pseudoBytes as bytes } from './test-util/cluster.js';

const peer = (n: number) => n.toString(16).padStart(40, '0') as PeerId;
const SELF = peer(0xff);

interface Delays {
  /** Before the owner takes (and answers) the first piece. */
  firstMs: number;
  /** Before it takes each later piece, or an abandon. */
  restMs: number;
}

/**
 * The writer's side alone: candidate key k is owned by peer k, a real Holder, reached after the
 * delays given for it (10 ms otherwise). No neighbour takes chunks, so placement stays on the candidates.
 */
function world(chunk: Uint8Array, delays: Record<number, Delays>, localRefusalUntilMs = 0) {
  const sim = new Simulator({ seed: 1 });
  const clock = sim.addNode().env.clock;
  const id = idToHex(hashBytesToId(chunk));
  const ownerOf = new Map<string, number>();
  for (let k = 0; k < 16; k++) ownerOf.set(idToHex(candidateKey(k, id)), k);
  const holders = new Map<number, Holder>();
  const holder = (k: number) => {
    let h = holders.get(k);
    if (!h) holders.set(k, (h = new Holder(clock, new HolderStore(new MemoryStore(), 1 << 24))));
    return h;
  };
  const ring = {
    self: SELF,
    successors: () => [],
    predecessor: () => null,
    request: (target: Id | { peer: PeerId }, _svc: string, op: string, body: unknown, opts: { timeoutMs?: number } = {}) => {
      const k = typeof target === 'object' && 'peer' in target ? parseInt(target.peer, 16) : ownerOf.get(idToHex(target))!;
      const d = delays[k] ?? { firstMs: 10, restMs: 10 };
      const first = op === 'put' && (body as { off: number }).off === 0;
      // Our own link's send queue is full until then: the request is refused before it leaves.
      return new Promise<Envelope>((resolve, reject) => {
        if (clock.now() < localRefusalUntilMs) return void clock.setTimer(1, () => reject(new CumulusError('REFUSED', 'send queue is full')));
        const timer = clock.setTimer(opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, () => reject(new Error('timeout')));
        clock.setTimer(first ? d.firstMs : d.restMs, () => {
          const h = holder(k);
          const reply = op === 'put' ? h.put(body as never, SELF) : Promise.resolve(h.abandon(body as never, SELF));
          void reply.then((b) => {
            clock.cancel(timer);
            resolve({ src: peer(k), body: b } as unknown as Envelope);
          });
        });
      });
    },
  } as unknown as RingPort;
  return { sim, clock, id, ring, holder };
}

describe('a raced copy', () => {
  const chunk = bytes(3 * PIECE_BYTES, 1);

  it('is cancelled when its owner answers after placement had r holders, and the owner drops what it assembled', async () => {
    // Candidate 0's owner takes the first piece only after 3 s: the hedge races it past, and 1, 2, 3 take the chunk meanwhile.
    const w = world(chunk, { 0: { firstMs: 3_000, restMs: 10 } });
    const placed = await settle(w.sim, placeChunk(w.ring, w.id, chunk, 3, [], DEFAULT_REQUEST_TIMEOUT_MS, { clock: w.clock }));
    expect(placed).toEqual([peer(1), peer(2), peer(3)]);
    await w.sim.runAsync({ forMs: 10_000 });
    expect(w.holder(0).assembling).toBe(0);
    expect(await w.holder(0).store.has(w.id)).toBe(false);
    expect(w.holder(0).counters.assembliesAbandoned).toBe(1);
    for (const k of [1, 2, 3]) expect(await w.holder(k).store.has(w.id)).toBe(true);
  });

  it('is recorded as an extra holder when its owner answered and was still transferring once r others had it', async () => {
    // Candidate 0 answers the first piece after the hedge fired, then takes 1.5 s per piece; 1, 2 and 3
    // (200 ms per piece, one after another) finish first.
    const slow = { firstMs: 10, restMs: 200 };
    const w = world(chunk, { 0: { firstMs: PLACE_HEDGE_MS + 100, restMs: 1_500 }, 1: slow, 2: slow, 3: slow });
    const placed = await settle(w.sim, placeChunk(w.ring, w.id, chunk, 3, [], DEFAULT_REQUEST_TIMEOUT_MS, { clock: w.clock }));
    expect([...placed].sort()).toEqual([peer(0), peer(1), peer(2), peer(3)]);
    for (const k of [0, 1, 2, 3]) expect(await w.holder(k).store.has(w.id)).toBe(true);
  });
});

describe('placement under our own backpressure', () => {
  it('sends a piece again when our link refuses it for now, instead of skipping a live candidate', async () => {
    const chunk = bytes(3 * PIECE_BYTES, 4);
    const w = world(chunk, {}, 300);
    const placed = await settle(w.sim, placeChunk(w.ring, w.id, chunk, 3, [], DEFAULT_REQUEST_TIMEOUT_MS, { clock: w.clock }));
    expect(placed).toEqual([peer(0), peer(1), peer(2)]);
  });
});

describe('a holder', () => {
  it('drops an assembly once every writer filling it abandoned it, and never a stored chunk', async () => {
    const sim = new Simulator({ seed: 1 });
    const clock = sim.addNode().env.clock;
    const h = new Holder(clock, new HolderStore(new MemoryStore(), 1 << 24));
    const data = bytes(2 * PIECE_BYTES, 2);
    const id = idToHex(hashBytesToId(data));
    const piece = (off: number) => ({ id, off, total: data.length, data: data.subarray(off, off + PIECE_BYTES) });
    expect(await h.put(piece(0), peer(1))).toEqual({ ok: true, done: false });
    expect(await h.put(piece(0), peer(2))).toEqual({ ok: true, done: false });
    expect(h.abandon({ id }, peer(1))).toEqual({ ok: true, dropped: false });
    expect(h.assembling).toBe(1);
    expect(await h.put(piece(PIECE_BYTES), peer(2))).toEqual({ ok: true, done: true });
    expect(h.abandon({ id }, peer(2))).toEqual({ ok: true, dropped: false });
    expect(await h.store.has(id)).toBe(true);
    const other = bytes(2 * PIECE_BYTES, 3);
    const otherId = idToHex(hashBytesToId(other));
    await h.put({ id: otherId, off: 0, total: other.length, data: other.subarray(0, PIECE_BYTES) }, peer(1));
    expect(h.abandon({ id: otherId }, peer(1))).toEqual({ ok: true, dropped: true });
    expect(h.assembling).toBe(0);
  });

  it('makes room in a full table by dropping an assembly idle for ASSEMBLY_STALE_MS', async () => {
    const sim = new Simulator({ seed: 1 });
    const clock = sim.addNode().env.clock;
    const h = new Holder(clock, new HolderStore(new MemoryStore(), 1 << 30));
    const start = async (salt: number) => {
      const data = bytes(2 * PIECE_BYTES, salt);
      return h.put({ id: idToHex(hashBytesToId(data)), off: 0, total: data.length, data: data.subarray(0, PIECE_BYTES) }, peer(1));
    };
    for (let i = 0; i < MAX_ASSEMBLIES; i++) await start(100 + i);
    await expect(start(1)).rejects.toMatchObject({ code: 'REFUSED' });
    await sim.runAsync({ forMs: ASSEMBLY_STALE_MS + 1 });
    expect(await start(1)).toEqual({ ok: true, done: false });
    expect(h.assembling).toBe(MAX_ASSEMBLIES);
  });
});
