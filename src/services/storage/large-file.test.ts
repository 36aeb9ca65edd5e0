// Proves files with more chunks than a record lists inline: they are stored through index chunks, read back whole and by range, repaired after their holders crash (new holders recorded in rewritten index chunks), and a malformed index gives a clear error, never a crash, and loses nothing stored.
import { describe, expect, it } from 'vitest';
import { hashBytesToId, idToHex, type PeerId } from '../../core/id.js';
import { encodeValue } from '../../core/codec.js';
import { MAX_INLINE_CHUNKS } from './constants.js';
import { encodeIndexChunk } from './index-chunks.js';
import { fetchIndexChunk } from './index-reader.js';
import { pathKey } from './paths.js';
import { placeChunk } from './replicas.js';
import { call } from './rpc.js';
import { toWire, type ChunkRef, type FileRecord } from './records.js';
import type { StorageService } from './service.js';
import { pseudoBytes as bytes, simCluster } from './test-util/cluster.js';

// Repair is driven by hand (rounds are called), so the test says when it happens.
const setup = (seed: number, nodes = 16) => simCluster(seed, { nodes, repairPeriodMs: 3600_000 });

const CHUNK = 1024;
/** Small index chunks, so that a file of a few hundred KiB has many of them. */
const FANOUT = 64;

/** Byte for byte (vitest's deep equality takes seconds over a megabyte). */
function expectSame(got: Buffer, want: Uint8Array): void {
  expect(got.length).toBe(want.length);
  expect(got.equals(want)).toBe(true);
}

async function readAll(svc: StorageService, path: string, range?: { start: number; end: number }): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of await svc.client.open(path, range)) parts.push(part);
  return Buffer.concat(parts);
}

/** Every data chunk ref an indexed file's index chunks list, read the way a reader does. */
async function dataRefs(svc: StorageService, rec: FileRecord): Promise<ChunkRef[]> {
  const ctx = { ring: svc.repairer.ring, timeoutMs: 5_000, counters: svc.client.counters, order: {} };
  const out: ChunkRef[] = [];
  for (let j = 0; j < rec.index!.chunks.length; j++) out.push(...(await fetchIndexChunk(ctx, { ...rec, index: rec.index! }, j)));
  return out;
}

describe('large files (index chunks)', () => {
  it('stores a file past the inline limit through index chunks and reads it whole and by range', async () => {
    const { svc, run } = setup(11);
    const data = bytes(1000 * CHUNK + 123, 11);
    const put = await run(svc(0).client.put('/big', [data], { chunkBytes: CHUNK, indexFanout: FANOUT }));
    expect(put).toMatchObject({ size: data.length, chunks: 1001, replicas: 3 });
    const st = await run(svc(1).client.stat('/big'));
    if (st.kind !== 'file') throw new Error('not a file');
    expect(st.chunks).toEqual([]);
    expect(st.index?.fanout).toBe(FANOUT);
    expect(st.index?.chunks.length).toBe(Math.ceil(1001 / FANOUT));
    expect(st.index?.chunks.every((c) => c.holders.length === 3 && c.bytes > 0)).toBe(true);
    expectSame(await run(readAll(svc(2), '/big')), data);
    // A range across an index boundary: the end of index chunk 0's data and the start of chunk 1's.
    const range = { start: FANOUT * CHUNK - 100, end: FANOUT * CHUNK + 5000 };
    expectSame(await run(readAll(svc(3), '/big', range)), data.subarray(range.start, range.end + 1));
    const tail = { start: data.length - 10, end: data.length - 1 };
    expectSame(await run(readAll(svc(3), '/big', tail)), data.subarray(tail.start));
  });

  it('keeps a file of at most MAX_INLINE_CHUNKS chunks inline, in the record form it always had', async () => {
    const { svc, run, cluster } = setup(12);
    const data = bytes(MAX_INLINE_CHUNKS * CHUNK, 12);
    await run(svc(0).client.put('/edge', [data], { chunkBytes: CHUNK, indexFanout: FANOUT }));
    const st = await run(svc(1).client.stat('/edge'));
    expect(st.kind === 'file' && st.chunks.length).toBe(MAX_INLINE_CHUNKS);
    expect(st.kind === 'file' && st.index).toBeUndefined();
    const stored = await cluster.ownerOf(pathKey('/edge'))!.keeper.store.getRecord(pathKey('/edge'));
    expect(Object.keys(toWire(stored!))).toEqual(['kind', 'path', 'rev', 'version', 'size', 'chunkBytes', 'replicas', 'etag', 'mtimeMs', 'ids', 'peers', 'holders']);
    const one = await run(svc(0).client.put('/edge1', [bytes((MAX_INLINE_CHUNKS + 1) * CHUNK, 13)], { chunkBytes: CHUNK, indexFanout: FANOUT }));
    expect(one.chunks).toBe(MAX_INLINE_CHUNKS + 1);
    const st1 = await run(svc(1).client.stat('/edge1'));
    expect(st1.kind === 'file' && st1.index?.chunks.length).toBe(Math.ceil((MAX_INLINE_CHUNKS + 1) / FANOUT));
  });

  for (const seed of [1, 2]) {
    it(`re-replicates the data chunks of a large file whose holders crashed, and records the new holders (seed ${seed})`, async () => {
      const { sim, cluster, ids, svc, run } = setup(20 + seed);
      const data = bytes(700 * CHUNK, seed);
      await run(svc(0).client.put('/big', [data], { chunkBytes: CHUNK, indexFanout: FANOUT }));
      const keeper = cluster.ownerOf(pathKey('/big'))!;
      const keeperId = ids.find((id) => cluster.services.get(id) === keeper)!;
      const before = (await keeper.keeper.store.getRecord(pathKey('/big'))) as FileRecord;
      const original = await run(dataRefs(keeper, before));
      // Two peers other than the sKeeper crash and lose their stores; chunks that both held drop to one replica.
      const victims = ids.filter((id) => id !== keeperId).slice(0, 2) as [PeerId, PeerId];
      const doubly = original.filter((c) => victims.every((v) => c.holders.includes(v)));
      expect(doubly.length, `seed ${seed}: some chunk lost two of its three holders`).toBeGreaterThan(0);
      for (const v of victims) cluster.crash(v, false);
      await sim.runAsync({ forMs: 10_000 });
      await run(keeper.repairer.round());
      expect(keeper.repairer.counters.chunksRepaired).toBeGreaterThan(0);
      expect(keeper.repairer.counters.chunksUnderReplicated, `seed ${seed}`).toBe(0);
      const after = (await keeper.keeper.store.getRecord(pathKey('/big'))) as FileRecord;
      expect(after.rev).toBeGreaterThan(before.rev);
      const mended = await run(dataRefs(keeper, after));
      // Every listed holder is alive and has the chunk, r of them per chunk.
      for (const c of mended) {
        expect(c.holders.length).toBe(3);
        for (const h of c.holders) expect(await cluster.services.get(h)?.holder.store.has(c.id), `seed ${seed}`).toBe(true);
      }
      // Now the last original holder of the doubly hit chunks goes too: only repaired copies are left.
      const last = [...new Set(doubly.map((c) => c.holders.find((h) => !victims.includes(h))!))].filter((h) => h !== keeperId);
      for (const h of last.slice(0, 2)) cluster.crash(h, false);
      await sim.runAsync({ forMs: 10_000 });
      const reader = cluster.live().find((s) => s !== keeper)!;
      expectSame(await run(readAll(reader, '/big')), data);
    });
  }

  it('answers a malformed index with a clear error, never a crash, and loses nothing stored', async () => {
    const { svc, run, cluster, ids } = setup(31);
    const good = bytes(500 * CHUNK, 31);
    await run(svc(0).client.put('/good', [good], { chunkBytes: CHUNK, indexFanout: FANOUT }));
    await run(svc(0).client.put('/victim', [bytes(400 * CHUNK, 32)], { chunkBytes: CHUNK, indexFanout: FANOUT }));
    const victim = (await run(svc(1).client.stat('/victim'))) as FileRecord;
    const ring = svc(2).repairer.ring;
    // A writer stores index chunks of its choosing (their hashes check out) and commits records naming them.
    const refs = await run(dataRefs(svc(2), victim));
    const decodable = (v: unknown) => {
      const e = encodeValue(v);
      if (!e.ok) throw e.error;
      return e.value;
    };
    const wrongCount = encodeIndexChunk(refs.slice(0, FANOUT - 1));
    if (!wrongCount.ok) throw wrongCount.error;
    const badIndexes: Record<string, Uint8Array> = {
      'not msgpack': new Uint8Array([0xc1, 0xc1, 0xc1]),
      'wrong shape': decodable({ v: 1, ids: 'nope' }),
      'unknown version': decodable({ v: 2, ids: new Uint8Array(0), peers: new Uint8Array(0), holders: [] }),
      'too few refs': wrongCount.value,
      'holder outside the table': decodable({ v: 1, ids: new Uint8Array(20 * FANOUT), peers: new Uint8Array(20), holders: Array.from({ length: FANOUT }, () => [3]) }),
    };
    let n = 0;
    for (const [what, chunk] of Object.entries(badIndexes)) {
      const id = idToHex(hashBytesToId(chunk));
      const holders = await run(placeChunk(ring, id, chunk, 3, [], 5_000));
      const path = `/bad${n++}`;
      const index = { fanout: FANOUT, chunks: victim.index!.chunks.map((c, j) => (j === 0 ? { id, holders, bytes: chunk.length } : c)) };
      const rec: FileRecord = { ...victim, path, rev: 0, version: 0, index };
      await run(call(ring, pathKey(path), 'commit', { rec: toWire(rec) as never }, 5_000));
      const err = await run(readAll(svc(3), path)).catch((e: unknown) => e);
      expect(err, what).toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(new RegExp(`^malformed index chunk ${id} of ${path}: `)) });
    }
    // A record whose index does not fit its size is refused at commit; the earlier version stays.
    const broken = toWire({ ...victim, path: '/good', rev: 0, index: { fanout: FANOUT, chunks: victim.index!.chunks.slice(1) } });
    await expect(run(call(ring, pathKey('/good'), 'commit', { rec: broken as never }, 5_000))).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
    // Every peer's repair round runs through the bad files; the good ones stay whole.
    for (const id of ids) await run(cluster.services.get(id)!.repairer.round());
    const bad = ids.reduce((s, id) => s + cluster.services.get(id)!.repairer.counters.badIndexes, 0);
    expect(bad).toBe(Object.keys(badIndexes).length);
    expectSame(await run(readAll(svc(4), '/good')), good);
    expect(cluster.services.size).toBe(16);
  });
});
