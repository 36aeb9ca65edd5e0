// Proves a read that fails at a chunk's recorded holders looks everywhere else before giving up: every candidate key placement may have used (not only the first six), then the holders the sKeeper's current record lists (repair may have moved the replicas since the reader read the record); and that the error names each place tried.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { Simulator } from '../../sim/simulator.js';
import { settle } from '../../sim/settle.js';
import { StorageCluster } from '../../sim/scenarios/storage.js';
import { candidateKey } from './placement.js';
import { pathKey } from './paths.js';
import type { StorageService } from './service.js';
import { sendChunk } from './transfer.js';
import type { FileRecord } from './records.js';
import type { ChunkUnavailableError, ReadAttempt } from './errors.js';
import { pseudoBytes as data } from './test-util/cluster.js';

/** 16 peers on the oracle ring, none repairing (so nothing moves but what the test moves), one 1-chunk file. */
async function setup(seed: number) {
  const sim = new Simulator({ seed });
  const cluster = new StorageCluster(sim, { quotaBytes: 1 << 24, repairPeriodMs: 3_600_000 });
  for (let i = 0; i < 16; i++) cluster.add();
  for (const s of cluster.live()) s.stop();
  const run = <T>(p: Promise<T>) => settle(sim, p, { forMs: 600_000 });
  const want = data(3000, seed);
  const writer = cluster.live()[0]!;
  // Kept in a chunk, not inline in the record: these tests are about reading chunks.
  await run(writer.client.put('/f', [want], { chunkBytes: 4096, inline: false }));
  const st = await run(writer.client.stat('/f'));
  if (st.kind !== 'file') throw new Error('not a file');
  const chunk = st.chunks[0]!;
  const keeper = cluster.ownerOf(pathKey('/f'))!;
  /** A reader that holds no copy, so it survives the crashes below. */
  const reader = cluster.live().find((s) => !chunk.holders.includes(s.repairer.ring.self))!;
  const crashHolders = async () => {
    // Let what the sKeeper pushed to its successors arrive first.
    await sim.runAsync({ forMs: 1_000 });
    // The sKeeper may be one of them: its successor has its records (pushed at commit) and answers then.
    for (const h of chunk.holders) cluster.crash(h, false);
    await sim.runAsync({ forMs: 10_000 });
  };
  const readAll = async (svc: StorageService) => {
    const parts: Uint8Array[] = [];
    for await (const c of svc.client.read(st)) parts.push(c);
    return new Uint8Array(Buffer.concat(parts));
  };
  return { sim, cluster, run, want, st, chunk, keeper, reader, crashHolders, readAll };
}

describe('reads that fall back', () => {
  it('finds a replica at a late candidate key once every recorded holder is gone', async () => {
    const t = await setup(1);
    // The first candidate i >= 6 whose owner is not a recorded holder (nor the owner of an earlier candidate).
    const owners = Array.from({ length: 16 }, (_, i) => t.cluster.net.ownerOf(candidateKey(i, t.chunk.id))!.self);
    const i = owners.findIndex((o, k) => k >= 6 && !t.chunk.holders.includes(o) && !owners.slice(0, k).includes(o) && o !== t.reader.repairer.ring.self);
    expect(i).toBeGreaterThanOrEqual(6);
    await t.run(sendChunk(t.keeper.repairer.ring, candidateKey(i, t.chunk.id), t.chunk.id, t.want, 5_000));
    await t.crashHolders();
    expect(await t.run(t.readAll(t.reader))).toEqual(t.want);
  });

  it('reads from the holders the current record lists when the reader\'s record is stale', async () => {
    const t = await setup(2);
    // Repair (played by hand) put a copy on a peer that is no candidate of the chunk, and recorded it.
    const candidates = new Set(Array.from({ length: 16 }, (_, i) => t.cluster.net.ownerOf(candidateKey(i, t.chunk.id))!.self));
    const moved = t.cluster.live().map((s) => s.repairer.ring.self).find((p) => !candidates.has(p) && p !== t.reader.repairer.ring.self);
    if (moved === undefined) throw new Error('every peer owns a candidate key');
    await t.run(sendChunk(t.keeper.repairer.ring, { peer: moved }, t.chunk.id, t.want, 5_000));
    const rec = (await t.keeper.keeper.store.getRecord(pathKey('/f'))) as FileRecord;
    expect(await t.run(t.keeper.keeper.updateIfNewer({ ...rec, rev: rec.rev + 1, chunks: [{ id: t.chunk.id, holders: [moved, ...t.chunk.holders] }] }))).toBe(true);
    await t.crashHolders();
    expect(await t.run(t.readAll(t.reader))).toEqual(t.want);
  });

  it('says which holders and candidate keys it tried when none has the chunk', async () => {
    const t = await setup(3);
    await t.crashHolders();
    const err = (await t.run(t.readAll(t.reader)).then(() => null, (e: unknown) => e)) as ChunkUnavailableError;
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
    const tried = (err.detail as { tried: ReadAttempt[] }).tried.map((a) => a.where);
    for (const h of t.chunk.holders) expect(tried).toContain(`holder ${(h as PeerId).slice(0, 8)}`);
    for (let i = 0; i < 16; i++) expect(tried).toContain(`candidate ${i}`);
    expect(err.message).toMatch(new RegExp(`no live, valid replica of chunk ${t.chunk.id}: tried 19 \\(holder `));
  });
});
