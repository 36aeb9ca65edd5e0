// Proves small files kept inline in their record: stored with no chunk, read whole and by range from the record, still readable after their sKeeper crashes (the record's copies hold the bytes), forged inline records refused, and a keeper's syncs to a successor grouped into few frames.
import { describe, expect, it } from 'vitest';
import { settle } from '../../sim/settle.js';
import { StorageCluster } from '../../sim/scenarios/storage.js';
import type { PeerId } from '../../core/id.js';
import { pathKey } from './paths.js';
import type { StorageService } from './service.js';
import { INLINE_DATA_MAX_BYTES, MAX_SYNC_RECORDS } from './constants.js';
import { checkRecord, toWire, type FileRecord } from './records.js';
import { syncBatches } from './sync-batches.js';
import { sha256 } from '../../core/sha256.js';
import { bytesToHex } from '../../core/id.js';
import { pseudoBytes as bytes, simCluster } from './test-util/cluster.js';

const setup = (seed: number, nodes = 12) => simCluster(seed, { nodes });

async function readAll(svc: StorageService, path: string, range?: { start: number; end: number }): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of await svc.client.open(path, range)) parts.push(p);
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

function heldBytes(cluster: StorageCluster): number {
  return cluster.live().reduce((n, s) => n + s.holder.store.used, 0);
}

function inlineRecord(data: Uint8Array): FileRecord {
  return { kind: 'file', path: '/f', rev: 1, version: 1, size: data.length, chunkBytes: 4096, replicas: 3, etag: bytesToHex(sha256(data)), mtimeMs: 1, chunks: [], data };
}

describe('small files inline in their record', () => {
  it('stores a small file with no chunk and reads it whole and by range; a larger one, or one with more copies than a record has, goes to chunks', async () => {
    const { cluster, svc, run } = setup(1);
    const data = bytes(INLINE_DATA_MAX_BYTES, 1);
    const put = await run(svc(0).client.put('/f', [data.subarray(0, 100), data.subarray(100)]));
    expect(put).toMatchObject({ size: INLINE_DATA_MAX_BYTES, chunks: 0, replicas: 3 });
    expect(heldBytes(cluster)).toBe(0);
    const st = await run(svc(3).client.stat('/f'));
    expect(st.kind === 'file' && st.chunks.length === 0 && st.data?.length === INLINE_DATA_MAX_BYTES).toBe(true);
    expect(await run(readAll(svc(5), '/f'))).toEqual(data);
    expect(await run(readAll(svc(6), '/f', { start: 10, end: 19 }))).toEqual(data.subarray(10, 20));
    const big = await run(svc(1).client.put('/g', [bytes(INLINE_DATA_MAX_BYTES + 1, 2)]));
    expect(big.chunks).toBe(1);
    const many = await run(svc(1).client.put('/h', [bytes(10, 3)], { replicas: 4 }));
    expect(many).toMatchObject({ chunks: 1, replicas: 4 });
    const off = await run(svc(1).client.put('/i', [bytes(10, 4)], { inline: false }));
    expect(off.chunks).toBe(1);
    expect(await run(readAll(svc(7), '/i'))).toEqual(bytes(10, 4));
  });

  it('keeps a small file readable after its sKeeper crashes: the bytes are in the record\'s copies', async () => {
    const { sim, cluster, svc, run } = setup(2);
    const data = bytes(300, 5);
    await run(svc(0).client.put('/docs-f', [data]));
    const owner = cluster.ownerOf(pathKey('/docs-f'))!;
    cluster.crash([...cluster.services].find(([, s]) => s === owner)![0] as PeerId, false);
    await settle(sim, new Promise<void>((resolve) => sim.schedule(20_000, resolve)));
    const reader = cluster.live().find((s) => s !== owner)!;
    expect(await run(readAll(reader, '/docs-f'))).toEqual(data);
  });

  it('refuses an inline record that lists chunks, whose size or hash is not its bytes\', or that is too large', () => {
    const data = bytes(50, 6);
    expect(checkRecord(toWire(inlineRecord(data))).ok).toBe(true);
    const wire = toWire(inlineRecord(data)) as Record<string, unknown>;
    const bad = [
      { ...wire, ids: new Uint8Array(20), holders: [[]] },
      { ...wire, size: 49 },
      { ...wire, etag: bytesToHex(sha256(bytes(50, 7))) },
      { ...wire, data: bytes(INLINE_DATA_MAX_BYTES + 1, 8), size: INLINE_DATA_MAX_BYTES + 1 },
    ];
    for (const b of bad) {
      const r = checkRecord(b);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('SCHEMA_MISMATCH');
    }
  });

  it('groups a busy keeper\'s syncs to a successor into frames, and every copy ends up with every record', async () => {
    const { sim, cluster, svc, run } = setup(3);
    await run(svc(0).client.mkdir('/d'));
    const n = 200;
    await run(Promise.all(Array.from({ length: n }, (_, i) => svc(i % 12).client.put(`/d/o${i}`, [bytes(20, i)]))));
    // Every commit and every link is one change to replicate to two successors; frames carry several.
    const sent = cluster.live().reduce((a, s) => a + s.keeper.counters.syncsSent, 0);
    expect(sent).toBeLessThan(2 * 2 * n);
    await settle(sim, new Promise<void>((resolve) => sim.schedule(5_000, resolve)));
    // Once the last frames have landed, the directory's keeper and its two successors each list every name.
    const listed = await run(Promise.all(cluster.live().map((s) => s.keeper.store.entries(pathKey('/d'), 1000))));
    expect(listed.filter((e) => e.length === n).length).toBe(3);
  });

  it('cuts sync items into frames of at most MAX_SYNC_RECORDS items and about the frame budget', () => {
    const item = { rec: toWire(inlineRecord(bytes(INLINE_DATA_MAX_BYTES, 9))) };
    const small = { rec: toWire(inlineRecord(bytes(10, 9))) };
    const frames = syncBatches(Array.from({ length: 40 }, () => item));
    expect(frames.flat().length).toBe(40);
    expect(Math.max(...frames.map((f) => f.length))).toBeLessThan(MAX_SYNC_RECORDS);
    expect(syncBatches(Array.from({ length: 40 }, () => small)).map((f) => f.length)).toEqual([16, 16, 8]);
  });
});
