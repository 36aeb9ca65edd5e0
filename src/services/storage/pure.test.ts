// Proves the pure parts of storage: paths, record encoding, chunking with etag, placement keys, and the holder's quota and hash checks.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { MemoryStore } from '../../env/memory-store.js';
import { bytesToHex, hashBytesToId, idToHex, type PeerId } from '../../core/id.js';
import { baseName, normalizePath, parentOf } from './paths.js';
import { decodeRecord, encodeRecord, type FileRecord } from './records.js';
import { ChunkTally, chunkStream } from './chunker.js';
import { candidateKeys } from './placement.js';
import { HolderStore } from './holder-store.js';
import { KeeperStore } from './keeper-store.js';
import { pathKey } from './paths.js';

const peer = (n: number) => n.toString(16).padStart(40, '0') as PeerId;

describe('paths', () => {
  it('normalises and splits', () => {
    expect(normalizePath('/a//b/')).toBe('/a/b');
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/')).toBeUndefined();
    expect(baseName('/a/b')).toBe('b');
    expect(() => normalizePath('a/b')).toThrow(/absolute/);
    expect(() => normalizePath('/a/../b')).toThrow(/\.\./);
  });
});

describe('records', () => {
  it('round-trips a file record through its compact form', () => {
    const rec: FileRecord = {
      kind: 'file', path: '/x/y', rev: 3, version: 2, size: 2500, chunkBytes: 1024, replicas: 3, etag: 'ab'.repeat(32), mtimeMs: 42,
      chunks: [0, 1, 2].map((i) => ({ id: idToHex(hashBytesToId(new Uint8Array([i]))), holders: [peer(1), peer(2 + i), peer(9)] })),
    };
    const enc = encodeRecord(rec);
    expect(enc.ok).toBe(true);
    const dec = decodeRecord(enc.ok ? enc.value : new Uint8Array());
    expect(dec.ok && dec.value).toEqual(rec);
  });

  it('refuses a record whose chunk list does not match its size', () => {
    const rec: FileRecord = { kind: 'file', path: '/x', rev: 1, version: 1, size: 5000, chunkBytes: 1024, replicas: 1, etag: '00'.repeat(32), mtimeMs: 0, chunks: [] };
    const enc = encodeRecord(rec);
    const dec = decodeRecord(enc.ok ? enc.value : new Uint8Array());
    expect(dec.ok).toBe(false);
  });
});

describe('chunker', () => {
  it('cuts uneven pieces into fixed chunks and computes the etag', async () => {
    const data = new Uint8Array(5000).map((_, i) => i * 7);
    const pieces = [data.subarray(0, 1), data.subarray(1, 3000), data.subarray(3000)];
    const tally = new ChunkTally();
    const chunks: Uint8Array[] = [];
    for await (const c of chunkStream(pieces, 2048, tally)) chunks.push(c.slice());
    expect(chunks.map((c) => c.length)).toEqual([2048, 2048, 904]);
    expect(tally.size).toBe(5000);
    expect(tally.digestHex()).toBe(bytesToHex(sha256(data)));
  });

  it('reads a web ReadableStream', async () => {
    const stream = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(10)); c.close(); } });
    const tally = new ChunkTally();
    let n = 0;
    for await (const c of chunkStream(stream, 4, tally)) n += c.length;
    expect(n).toBe(10);
  });
});

describe('placement', () => {
  it('gives distinct, stable candidate keys', () => {
    const id = idToHex(hashBytesToId(new Uint8Array([1, 2, 3])));
    const keys = candidateKeys(id, 6);
    expect(new Set(keys).size).toBe(6);
    expect(candidateKeys(id, 6)).toEqual(keys);
  });
});

describe('holder store', () => {
  it('respects the quota, checks hashes and persists usage', async () => {
    const store = new MemoryStore();
    const h = new HolderStore(store, 100);
    const a = new Uint8Array(60).fill(1);
    const b = new Uint8Array(60).fill(2);
    const idA = idToHex(hashBytesToId(a));
    await h.put(idA, a);
    await expect(h.put(idToHex(hashBytesToId(b)), b)).rejects.toMatchObject({ code: 'OVER_QUOTA' });
    await expect(h.put(idA, b)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await h.put(idA, a); // already held: no double count
    expect(h.used).toBe(60);
    const again = new HolderStore(store, 100);
    await again.open();
    expect(again.used).toBe(60);
    expect(await again.get(idA)).toEqual(a);
  });
});

describe('keeper store', () => {
  it('lists entries in name order with a marker', async () => {
    const k = new KeeperStore(new MemoryStore());
    const dir = pathKey('/d');
    const other = pathKey('/e');
    await k.putRecord(dir, { kind: 'dir', path: '/d', rev: 1, mtimeMs: 0 }, ['c', 'a', 'b'].map((name) => k.entryOp(dir, { name, kind: 'file' })));
    await k.putRecord(other, { kind: 'dir', path: '/e', rev: 1, mtimeMs: 0 }, [k.entryOp(other, { name: 'zz', kind: 'dir' })]);
    expect((await k.entries(dir, 2)).map((e) => e.name)).toEqual(['a', 'b']);
    expect((await k.entries(dir, 10, 'b')).map((e) => e.name)).toEqual(['c']);
    expect(await k.entries(other, 10)).toEqual([{ name: 'zz', kind: 'dir' }]);
  });
});
