// Proves the storage service end to end on simulated peers: round trips, listing, clear errors that leave data intact, lying holders bypassed, interrupted puts invisible, keys handed to joiners, and files surviving churn.
import { describe, expect, it } from 'vitest';
import { STORAGE_OPTIONS, runStorage } from '../../sim/scenarios/storage.js';
import { withDefaults } from '../../core/options.js';
import { hashBytesToId, idToHex, idToBytes, idFromHex, type PeerId } from '../../core/id.js';
import { pathKey } from './paths.js';
import type { StorageService } from './service.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, READ_FIRST_PIECE_TIMEOUT_MS } from './constants.js';
import { candidateKey } from './placement.js';
import { pseudoBytes as bytes, simCluster } from './test-util/cluster.js';

const setup = (seed: number, nodes = 16, quotaBytes = 1 << 24) => simCluster(seed, { nodes, quotaBytes });

async function readAll(svc: StorageService, path: string): Promise<Uint8Array> {
  const stream = await svc.client.get(path);
  const reader = stream.getReader();
  const parts: number[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(...value);
  }
  return new Uint8Array(parts);
}

describe('storage service', () => {
  it('puts, stats, gets and lists files and directories', async () => {
    const { svc, run } = setup(1);
    await run(svc(0).client.mkdir('/docs'));
    const data = bytes(10_000);
    const put = await run(svc(1).client.put('/docs/a.txt', [data], { chunkBytes: 4096 }));
    expect(put).toMatchObject({ version: 1, size: 10_000, chunks: 3, replicas: 3 });
    const st = await run(svc(2).client.stat('/docs/a.txt'));
    expect(st.kind === 'file' && st.chunks.every((c) => c.holders.length === 3)).toBe(true);
    expect(await run(readAll(svc(3), '/docs/a.txt'))).toEqual(data);
    const v2 = await run(svc(4).client.put('/docs/a.txt', [bytes(10, 2)], { chunkBytes: 4096 }));
    expect(v2.version).toBe(2);
    for (const n of ['c', 'b', 'd']) await run(svc(5).client.put(`/docs/${n}`, [bytes(5, 3)], { chunkBytes: 4096 }));
    const p1 = await run(svc(6).client.list('/docs', { limit: 2 }));
    expect(p1.entries.map((e) => e.name)).toEqual(['a.txt', 'b']);
    const p2 = await run(svc(6).client.list('/docs', { limit: 2, marker: p1.next! }));
    expect(p2.entries.map((e) => e.name)).toEqual(['c', 'd']);
    expect(p2.next).toBeUndefined();
    expect((await run(svc(7).client.list('/'))).entries).toEqual([{ name: 'docs', kind: 'dir' }]);
  });

  it('refuses bad operations with clear errors and leaves what was stored intact', async () => {
    const { svc, run } = setup(2);
    await run(svc(0).client.mkdir('/d'));
    await run(svc(0).client.put('/d/f', [bytes(100)], { chunkBytes: 1024 }));
    await expect(run(svc(1).client.put('/d', [bytes(10)]))).rejects.toMatchObject({ code: 'IS_A_DIRECTORY', message: expect.stringMatching(/is a directory/) });
    await expect(run(svc(1).client.rm('/d'))).rejects.toMatchObject({ code: 'DIRECTORY_NOT_EMPTY', message: expect.stringMatching(/not empty/) });
    await expect(run(svc(1).client.put('/nodir/f', [bytes(10)]))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(run(svc(1).client.put('/d/g', [bytes(10)], { replicas: 7 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await run(svc(2).client.stat('/d'))).kind).toBe('dir');
    expect(await run(readAll(svc(2), '/d/f'))).toEqual(bytes(100));
    await run(svc(3).client.rm('/d/f'));
    await expect(run(svc(3).client.stat('/d/f'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await run(svc(3).client.rm('/d'));
    expect((await run(svc(4).client.list('/'))).entries).toEqual([]);
  });

  it('fails a put beyond every quota with OVER_QUOTA and keeps the older version', async () => {
    const { svc, run } = setup(3, 8, 8 * 1024);
    await run(svc(0).client.put('/f', [bytes(2000)], { chunkBytes: 1024 }));
    const err = await run(svc(1).client.put('/f', [bytes(40_000, 9)], { chunkBytes: 4096 })).catch((e) => e);
    expect(err.code).toBe('OVER_QUOTA');
    expect(err.message).toMatch(/stored \d of 3 replicas/);
    const st = await run(svc(2).client.stat('/f'));
    expect(st.kind === 'file' && st.version).toBe(1);
    expect(await run(readAll(svc(2), '/f'))).toEqual(bytes(2000));
  });

  it('moves placement past a full peer and records where the replica went', async () => {
    const { cluster, ids, svc, run } = setup(4, 8);
    const data = bytes(3000, 4);
    const id = idToHex(hashBytesToId(data));
    // Make the owner of the first candidate key full; placement must skip it.
    const { candidateKey } = await import('./placement.js');
    const full = cluster.net.ownerOf(candidateKey(0, id))!.self;
    cluster.services.delete(full);
    cluster.boot(full, 100);
    await run(svc(ids.indexOf(full) === 0 ? 1 : 0).client.put('/f', [data], { chunkBytes: 4096, inline: false }));
    const st = await run(svc(1).client.stat('/f'));
    expect(st.kind === 'file' && st.chunks[0]!.holders.length).toBe(3);
    expect(st.kind === 'file' && st.chunks[0]!.holders.includes(full)).toBe(false);
  });

  it('detects a holder that returns wrong bytes and reads from another replica', async () => {
    const { cluster, svc, run, sim } = setup(5);
    const data = bytes(5000, 5);
    await run(svc(0).client.put('/f', [data], { chunkBytes: 8192 }));
    const st = await run(svc(1).client.stat('/f'));
    if (st.kind !== 'file') throw new Error('not a file');
    const liar = st.chunks[0]!.holders[0]!;
    // The liar's store now holds other bytes under the chunk's key (written below the hash check).
    const key = new Uint8Array(21);
    key[0] = 0x63;
    key.set(idToBytes(idFromHex(st.chunks[0]!.id)), 1);
    await sim.node(liar)!.env.store.put(key, bytes(5000, 99));
    const reader = svc(2);
    expect(await run(readAll(reader, '/f'))).toEqual(data);
    expect(reader.client.counters.corruptReplicas).toBe(1);
    expect(cluster.services.size).toBe(16);
  });

  it('races the next holder when one stays silent (crashed, not yet detected) instead of waiting out its timeout', async () => {
    const { cluster, ids, svc, run, sim } = setup(8);
    const data = bytes(20_000, 8);
    await run(svc(0).client.put('/f', [data], { chunkBytes: 4096 }));
    const st = await run(svc(1).client.stat('/f'));
    if (st.kind !== 'file') throw new Error('not a file');
    // A reader that holds nothing of chunk 0 asks its first listed holder first; that one crashes
    // and, for the next detectMs, swallows every request without an answer.
    const silent = st.chunks[0]!.holders[0]!;
    const reader = svc(ids.findIndex((id, i) => i > 0 && !st.chunks[0]!.holders.includes(id)));
    cluster.crash(silent, true);
    const t0 = sim.now();
    const collect = async () => {
      const parts: Uint8Array[] = [];
      for await (const part of reader.client.read(st)) parts.push(part);
      return Buffer.concat(parts);
    };
    expect(await run(collect())).toEqual(Buffer.from(data));
    expect(reader.client.counters.hedgedReads).toBeGreaterThan(0);
    // Virtual time: the read did not wait for the silent holder's first-piece timeout.
    expect(sim.now() - t0).toBeLessThan(READ_FIRST_PIECE_TIMEOUT_MS);
  });

  it('places a chunk past a silent candidate owner (crashed, not yet detected) instead of waiting out its timeout', async () => {
    const { cluster, ids, svc, run, sim } = setup(9, 12);
    const data = bytes(3_000, 5);
    const id = idToHex(hashBytesToId(data));
    const idOf = (s: StorageService | undefined) => [...cluster.services].find(([, v]) => v === s)![0] as PeerId;
    // The owner of the chunk's first candidate key crashes and swallows the first piece.
    const silent = idOf(cluster.ownerOf(candidateKey(0, id)));
    const path = ['/a', '/b', '/c', '/d', '/e'].find((p) => idOf(cluster.ownerOf(pathKey(p))) !== silent)!;
    const writer = svc(ids.findIndex((p) => p !== silent));
    cluster.crash(silent, true);
    const t0 = sim.now();
    await run(writer.client.put(path, [data], { chunkBytes: 4096, inline: false }));
    // Virtual time: the put did not wait the request timeout for the silent owner.
    expect(sim.now() - t0).toBeLessThan(DEFAULT_REQUEST_TIMEOUT_MS);
    const st = await run(writer.client.stat(path));
    if (st.kind !== 'file') throw new Error('not a file');
    expect(st.chunks[0]!.holders).not.toContain(silent);
    expect(new Set(st.chunks[0]!.holders).size).toBe(3);
  });

  it('leaves no visible file when a put is interrupted before its commit', async () => {
    const { svc, run } = setup(6);
    async function* broken() {
      yield bytes(4096);
      throw new Error('writer went away');
    }
    await expect(run(svc(0).client.put('/half', broken(), { chunkBytes: 1024 }))).rejects.toThrow(/went away/);
    await expect(run(svc(1).client.stat('/half'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await run(svc(1).client.list('/'))).entries).toEqual([]);
  });

  it('hands metadata to a joining peer that becomes the owner, and keeps serving it', async () => {
    const { cluster, sim, svc, run } = setup(7, 8);
    await run(svc(0).client.put('/f', [bytes(100)], { chunkBytes: 1024 }));
    // A new peer just before the path's key becomes its owner.
    const joiner = idToHex(pathKey('/f')) as PeerId;
    sim.addNode(joiner);
    cluster.boot(joiner);
    await sim.runAsync({ forMs: 5_000 });
    expect(cluster.net.ownerOf(pathKey('/f'))!.self).toBe(joiner);
    expect((await cluster.services.get(joiner)!.keeper.store.getRecord(pathKey('/f')))?.kind).toBe('file');
    expect(await run(readAll(svc(1), '/f'))).toEqual(bytes(100));
  });

  for (const seed of [1, 2, 3]) {
    it(`keeps every file readable under churn (64 peers, 100 files, 30 min, seed ${seed})`, async () => {
      const r = await runStorage(withDefaults(STORAGE_OPTIONS, { seed, nodes: 64, files: 100, hours: 0.5, churn: 1800 }));
      if (r.filesLost !== 0) console.error(`storage churn run failed; reproduce with seed ${seed}`, r);
      expect(r.filesLost).toBe(0);
      expect(r.files).toBe(100);
    });
  }
});
