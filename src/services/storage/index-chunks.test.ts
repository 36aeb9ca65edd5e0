// Proves the index chunk format's bounds: exact encoded sizes, the worst case under MAX_INDEX_BYTES, a record of the most index chunks under MAX_META_BYTES, the limits covering MAX_OBJECT_BYTES at the smallest chunk, and a clear error for every malformed index.
import { describe, expect, it } from 'vitest';
import { encodeValue } from '../../core/codec.js';
import { hashBytesToId, idToHex, type PeerId } from '../../core/id.js';
import { MAX_HOLDERS_PER_CHUNK, MAX_INDEX_BYTES, MAX_INDEX_CHUNKS, MAX_INDEX_FANOUT, MAX_OBJECT_BYTES, MIN_CHUNK_BYTES, MAX_REPLICAS } from './constants.js';
import { decodeIndexChunk, encodeIndexChunk, indexCount, indexSpan } from './index-chunks.js';
import { decodeRecord, encodeRecord, type ChunkRef, type FileRecord } from './records.js';

const peer = (n: number) => n.toString(16).padStart(40, '0') as PeerId;
const chunkId = (n: number) => idToHex(hashBytesToId(new Uint8Array([n & 0xff, n >> 8, n >> 16])));

function refs(count: number, holdersOf: (i: number) => PeerId[]): ChunkRef[] {
  return Array.from({ length: count }, (_, i) => ({ id: chunkId(i), holders: holdersOf(i) }));
}

describe('index chunks', () => {
  it('encode to an exact, bounded size and decode to the same refs', () => {
    // 4,096 refs, 3 holders each among 64 peers: 20-byte ids, a 64-entry peer table, 4 bytes of holder indexes per ref.
    // msgpack: a map16 header; "v": 1; "ids" as bin32; "peers" as bin16; "holders" as array16 of fixarrays of fixints.
    const list = refs(MAX_INDEX_FANOUT, (i) => [peer(i % 64), peer((i + 1) % 64), peer((i + 2) % 64)]);
    const enc = encodeIndexChunk(list);
    if (!enc.ok) throw enc.error;
    expect(enc.value.length).toBe(3 + (2 + 1) + (4 + 5 + 20 * MAX_INDEX_FANOUT) + (6 + 3 + 20 * 64) + (8 + 3) + 4 * MAX_INDEX_FANOUT);
    const dec = decodeIndexChunk(enc.value, MAX_INDEX_FANOUT, '/f', 'x');
    expect(dec.ok && dec.value).toEqual(list);
  });

  it('stay under MAX_INDEX_BYTES in the worst case, so repair can always rewrite one', () => {
    // Every ref with the most holders a record keeps, all of them distinct peers.
    const list = refs(MAX_INDEX_FANOUT, (i) => Array.from({ length: MAX_HOLDERS_PER_CHUNK }, (_, k) => peer(1 + i * MAX_HOLDERS_PER_CHUNK + k)));
    const enc = encodeIndexChunk(list);
    expect(enc.ok && enc.value.length).toBeLessThan(MAX_INDEX_BYTES);
  });

  it('cover the largest object at the smallest chunk size, and a record of the most index chunks fits its frame', () => {
    expect(MAX_INDEX_CHUNKS * MAX_INDEX_FANOUT * MIN_CHUNK_BYTES).toBeGreaterThanOrEqual(MAX_OBJECT_BYTES);
    const chunks = MAX_INDEX_CHUNKS * MAX_INDEX_FANOUT;
    expect(indexCount(chunks, MAX_INDEX_FANOUT)).toBe(MAX_INDEX_CHUNKS);
    expect(indexSpan(chunks - 1, MAX_INDEX_FANOUT, MAX_INDEX_CHUNKS - 1)).toBe(MAX_INDEX_FANOUT - 1);
    const n = Math.ceil(MAX_OBJECT_BYTES / MIN_CHUNK_BYTES);
    const m = indexCount(n, MAX_INDEX_FANOUT);
    // r = 6 holders per index chunk, spread over 60 peers.
    const index = { fanout: MAX_INDEX_FANOUT, chunks: refs(m, (j) => Array.from({ length: MAX_REPLICAS }, (_, k) => peer((j + k * 10) % 60))).map((r) => ({ ...r, bytes: 200_000 })) };
    const rec: FileRecord = { kind: 'file', path: '/huge', rev: 1, version: 1, size: MAX_OBJECT_BYTES, chunkBytes: MIN_CHUNK_BYTES, replicas: 6, etag: 'ab'.repeat(32), mtimeMs: 1, chunks: [], index };
    const enc = encodeRecord(rec);
    if (!enc.ok) throw enc.error;
    const dec = decodeRecord(enc.value);
    expect(dec.ok && dec.value).toEqual(rec);
  });

  it('refuse malformed bytes with a clear error naming the chunk and the file', () => {
    const good = refs(10, (i) => [peer(i)]);
    const enc = (v: unknown) => {
      const e = encodeValue(v);
      if (!e.ok) throw e.error;
      return e.value;
    };
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['not msgpack', new Uint8Array([0xc1]), /malformed/],
      ['trailing bytes', new Uint8Array([...(encodeIndexChunk(good) as { value: Uint8Array }).value, 0]), /trailing|malformed/],
      ['a string for ids', enc({ v: 1, ids: 'x', peers: new Uint8Array(0), holders: [] }), /schema/],
      ['an extra field', enc({ v: 1, ids: new Uint8Array(0), peers: new Uint8Array(0), holders: [], more: 1 }), /schema/],
      ['another version', enc({ v: 2, ids: new Uint8Array(0), peers: new Uint8Array(0), holders: [] }), /schema/],
      ['a ragged peer table', enc({ v: 1, ids: new Uint8Array(200), peers: new Uint8Array(21), holders: Array.from({ length: 10 }, () => [0]) }), /multiple of 20/],
      ['a holder outside the table', enc({ v: 1, ids: new Uint8Array(200), peers: new Uint8Array(20), holders: Array.from({ length: 10 }, () => [1]) }), /outside the peer table/],
      ['fewer refs than the record says', (encodeIndexChunk(good.slice(1)) as { value: Uint8Array }).value, /not 10/],
    ];
    for (const [what, bytes, why] of cases) {
      const r = decodeIndexChunk(bytes, 10, '/f', 'abc');
      expect(r.ok, what).toBe(false);
      if (!r.ok) {
        expect(r.error.code, what).toBe('SCHEMA_MISMATCH');
        expect(r.error.message, what).toMatch(/^malformed index chunk abc of \/f: /);
        expect(r.error.message, what).toMatch(why);
      }
    }
  });
});
