// Metadata records kept by sKeepers, and their compact wire/store form. A record is the whole
// truth about one path: a file version (size, chunk list, where each replica went, etag), a
// directory, or a tombstone that stops a stale replica from resurrecting a deleted name. A file of
// more than MAX_INLINE_CHUNKS chunks lists index chunks instead of its chunks (index-chunks.ts).
import { Type, type Static } from '@sinclair/typebox';
import { check, decodeValue, encodeValue } from '../../core/codec.js';
import { err, ok, type Result } from '../../core/errors.js';
import { bytesToHex, idFromHex, idToBytes, type PeerId } from '../../core/id.js';
import { sha256 } from '../../core/sha256.js';
import { SchemaMismatchError } from '../../core/errors.js';
import { MAX_CHUNK_BYTES, MAX_HOLDERS_PER_CHUNK, MAX_INDEX_BYTES, MAX_INDEX_CHUNKS, MAX_INDEX_FANOUT, MAX_INLINE_CHUNKS, INLINE_DATA_MAX_BYTES, MAX_META_BYTES, MAX_OBJECT_BYTES, MAX_PATH_BYTES, MIN_CHUNK_BYTES, MIN_INDEX_FANOUT, ReplicasSchema } from './constants.js';

export interface ChunkRef {
  /** 40 hex chars: the first 160 bits of the chunk's SHA-256. */
  id: string;
  /** Peers that were given a replica, live ones first. */
  holders: PeerId[];
}

/** An index chunk of a large file: a chunk like any other, whose bytes list data chunk refs. */
export interface IndexRef extends ChunkRef {
  /** Its encoded size: readers check a fetched index chunk against it. */
  bytes: number;
}

/** Where a large file's chunk list lives: index chunk j lists data chunks j*fanout .. (j+1)*fanout-1. */
export interface FileIndex {
  fanout: number;
  chunks: IndexRef[];
}

export interface FileRecord {
  kind: 'file';
  path: string;
  /** Metadata revision: bumped by every change (new version, holder change); the higher wins on merge. */
  rev: number;
  /** User-visible version: bumped by every put of this path. */
  version: number;
  size: number;
  chunkBytes: number;
  replicas: number;
  /** SHA-256 of the whole file, 64 hex chars. */
  etag: string;
  mtimeMs: number;
  /** The data chunks, in file order; empty when `index` lists them. */
  chunks: ChunkRef[];
  /** Media type the writer gave (the gateway's Content-Type), served back on reads. */
  contentType?: string;
  /**
   * The writer's MD5 of the content, 32 hex chars (or S3's `MD5-of-MD5s-N` for an object put in N
   * parts): the ETag S3 clients check. The writer computes it; storage keeps and returns it.
   */
  md5?: string;
  /** Present for a file of more than MAX_INLINE_CHUNKS chunks. */
  index?: FileIndex;
  /**
   * The file's bytes, for a file of at most INLINE_DATA_MAX_BYTES stored inline: then `chunks` is
   * empty and there is no index; `size` is its length and `etag` its SHA-256 (checked on decode).
   */
  data?: Uint8Array;
}

export interface DirRecord {
  kind: 'dir';
  path: string;
  rev: number;
  mtimeMs: number;
}

export interface TombRecord {
  kind: 'tomb';
  path: string;
  rev: number;
  mtimeMs: number;
  /** The last file version the name had, so a new put continues the numbering. */
  version: number;
}

export type MetaRecord = FileRecord | DirRecord | TombRecord;

const Path = Type.String({ minLength: 1, maxLength: MAX_PATH_BYTES });
/** A media type is short (RFC 6838 caps each half at 127 characters). */
const MAX_CONTENT_TYPE_BYTES = 255;
const Rev = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Ms = Type.Number({ minimum: 0, maximum: 1e15 });

/** For each of at most `chunks` chunks, its holders as indexes into a peer table. */
export const HolderIndexes = (chunks: number) =>
  Type.Array(Type.Array(Type.Integer({ minimum: 0, maximum: chunks * MAX_HOLDERS_PER_CHUNK }), { maxItems: MAX_HOLDERS_PER_CHUNK }), { maxItems: chunks });

/** A large file's index in its record: the index chunks, with their own holder table. */
const WireIndexSchema = Type.Object(
  {
    fanout: Type.Integer({ minimum: MIN_INDEX_FANOUT, maximum: MAX_INDEX_FANOUT }),
    ids: Type.Uint8Array({ minByteLength: 20, maxByteLength: 20 * MAX_INDEX_CHUNKS }),
    peers: Type.Uint8Array({ maxByteLength: 20 * MAX_INDEX_CHUNKS * MAX_HOLDERS_PER_CHUNK }),
    holders: HolderIndexes(MAX_INDEX_CHUNKS),
    /** each index chunk's encoded size */
    bytes: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_INDEX_BYTES }), { maxItems: MAX_INDEX_CHUNKS }),
  },
  { additionalProperties: false },
);

/** An MD5 in hex, or S3's tag of an object put in parts (the MD5 of the parts' MD5s, a dash, their count). */
export const MD5_TAG_PATTERN = '^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$';

export const WireFileSchema = Type.Object(
  {
    kind: Type.Literal('file'),
    path: Path,
    rev: Rev,
    version: Rev,
    size: Type.Integer({ minimum: 0, maximum: MAX_OBJECT_BYTES }),
    chunkBytes: Type.Integer({ minimum: MIN_CHUNK_BYTES, maximum: MAX_CHUNK_BYTES }),
    replicas: ReplicasSchema,
    etag: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    mtimeMs: Ms,
    contentType: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CONTENT_TYPE_BYTES })),
    md5: Type.Optional(Type.String({ pattern: MD5_TAG_PATTERN })),
    /** chunk ids, 20 bytes each, concatenated (none when `index` is present) */
    ids: Type.Uint8Array({ maxByteLength: 20 * MAX_INLINE_CHUNKS }),
    /** distinct holder peer ids, 20 bytes each, concatenated */
    peers: Type.Uint8Array({ maxByteLength: 20 * MAX_INLINE_CHUNKS * MAX_HOLDERS_PER_CHUNK }),
    /** for each chunk, indexes into peers */
    holders: HolderIndexes(MAX_INLINE_CHUNKS),
    index: Type.Optional(WireIndexSchema),
    /** the bytes of a file stored inline (none of ids, peers, holders or index then) */
    data: Type.Optional(Type.Uint8Array({ maxByteLength: INLINE_DATA_MAX_BYTES })),
  },
  { additionalProperties: false },
);
export const WireDirSchema = Type.Object({ kind: Type.Literal('dir'), path: Path, rev: Rev, mtimeMs: Ms }, { additionalProperties: false });
export const WireTombSchema = Type.Object({ kind: Type.Literal('tomb'), path: Path, rev: Rev, mtimeMs: Ms, version: Rev }, { additionalProperties: false });
export const WireRecordSchema = Type.Union([WireFileSchema, WireDirSchema, WireTombSchema]);
export type WireRecord = Static<typeof WireRecordSchema>;

/** The number of chunks a file of `size` bytes has. */
export function chunkCount(size: number, chunkBytes: number): number {
  return Math.ceil(size / chunkBytes);
}

/** The size of chunk `index` of a file. */
export function chunkSizeAt(rec: Pick<FileRecord, 'size' | 'chunkBytes'>, index: number): number {
  return Math.min(rec.chunkBytes, rec.size - index * rec.chunkBytes);
}

/** Chunk refs in compact form: ids concatenated, holders as indexes into a table of distinct peers. */
export function packRefs(refs: readonly ChunkRef[]): { ids: Uint8Array; peers: Uint8Array; holders: number[][] } {
  const ids = new Uint8Array(20 * refs.length);
  const peerIndex = new Map<string, number>();
  const peerList: string[] = [];
  const holders = refs.map((c, i) => {
    ids.set(idToBytes(idFromHex(c.id)), 20 * i);
    return c.holders.map((p) => {
      let k = peerIndex.get(p);
      if (k === undefined) {
        k = peerList.length;
        peerIndex.set(p, k);
        peerList.push(p);
      }
      return k;
    });
  });
  const peers = new Uint8Array(20 * peerList.length);
  peerList.forEach((p, i) => peers.set(idToBytes(idFromHex(p)), 20 * i));
  return { ids, peers, holders };
}

/** The peer table of a compact ref list, or why it is malformed. */
export function unpackPeers(peers: Uint8Array): PeerId[] | string {
  if (peers.length % 20 !== 0) return 'peer table is not a multiple of 20 bytes';
  const out: PeerId[] = [];
  for (let i = 0; i < peers.length; i += 20) out.push(bytesToHex(peers.subarray(i, i + 20)) as PeerId);
  return out;
}

/** Chunk refs back from their compact form, checking what a schema cannot; a string says what is wrong. */
export function unpackRefs(ids: Uint8Array, peers: Uint8Array, holders: number[][], n: number): ChunkRef[] | string {
  if (ids.length !== 20 * n || holders.length !== n) return `the list has ${ids.length / 20} ids and ${holders.length} holder lists, not ${n}`;
  const table = unpackPeers(peers);
  if (typeof table === 'string') return table;
  const chunks: ChunkRef[] = [];
  for (let i = 0; i < n; i++) {
    const hs = holders[i]!;
    if (hs.some((k) => k >= table.length)) return `chunk ${i} names a holder outside the peer table`;
    chunks.push({ id: bytesToHex(ids.subarray(20 * i, 20 * i + 20)), holders: hs.map((k) => table[k]!) });
  }
  return chunks;
}

export function toWire(rec: MetaRecord): WireRecord {
  if (rec.kind !== 'file') return { ...rec };
  const { chunks, index, data, ...rest } = rec;
  if (data !== undefined) return { ...rest, ids: new Uint8Array(0), peers: new Uint8Array(0), holders: [], data };
  if (!index) return { ...rest, ...packRefs(chunks) };
  const wireIndex = { fanout: index.fanout, ...packRefs(index.chunks), bytes: index.chunks.map((c) => c.bytes) };
  return { ...rest, ids: new Uint8Array(0), peers: new Uint8Array(0), holders: [], index: wireIndex };
}

/** Turn a schema-checked wire record into a record, checking what the schema cannot. */
export function fromWire(w: WireRecord): Result<MetaRecord> {
  if (w.kind !== 'file') return ok({ ...w });
  const bad = (reason: string) => err(new SchemaMismatchError('file record', '', reason));
  const n = chunkCount(w.size, w.chunkBytes);
  const { ids, peers, holders, index, data, ...rest } = w;
  if (data !== undefined) {
    if (index || ids.length !== 0 || peers.length !== 0 || holders.length !== 0) return bad('a file stored inline lists no chunks');
    if (data.length !== w.size) return bad(`a file of ${w.size} bytes carries ${data.length} inline`);
    if (bytesToHex(sha256(data)) !== w.etag) return bad('the inline bytes do not hash to the etag');
    return ok({ ...rest, chunks: [], data });
  }
  if (!index) {
    if (n > MAX_INLINE_CHUNKS) return bad(`a ${w.size}-byte file in ${w.chunkBytes}-byte chunks has ${n} chunks, more than a record lists`);
    const chunks = unpackRefs(ids, peers, holders, n);
    return typeof chunks === 'string' ? bad(chunks) : ok({ ...rest, chunks });
  }
  if (ids.length !== 0 || peers.length !== 0 || holders.length !== 0) return bad('an indexed file lists its chunks in its index only');
  const m = Math.ceil(n / index.fanout);
  if (index.bytes.length !== m) return bad(`a file of ${n} chunks, ${index.fanout} to an index chunk, has ${m} index chunks, not ${index.bytes.length}`);
  const refs = unpackRefs(index.ids, index.peers, index.holders, m);
  if (typeof refs === 'string') return bad(`index: ${refs}`);
  return ok({ ...rest, chunks: [], index: { fanout: index.fanout, chunks: refs.map((r, j) => ({ ...r, bytes: index.bytes[j]! })) } });
}

export function encodeRecord(rec: MetaRecord): Result<Uint8Array> {
  return encodeValue(toWire(rec), MAX_META_BYTES);
}

/** The trust boundary for records read from a store or received from a peer. */
export function decodeRecord(bytes: Uint8Array): Result<MetaRecord> {
  const v = decodeValue(bytes, MAX_META_BYTES);
  if (!v.ok) return v;
  return checkRecord(v.value);
}

export function checkRecord(value: unknown): Result<MetaRecord> {
  const c = check(WireRecordSchema, value, 'metadata record');
  if (!c.ok) return c;
  return fromWire(c.value);
}

/** Merge rule between two copies of a path's record: the higher revision wins, then the later mtime. */
export function newer(a: MetaRecord, b: MetaRecord | undefined): boolean {
  if (!b) return true;
  if (a.rev !== b.rev) return a.rev > b.rev;
  return a.mtimeMs > b.mtimeMs;
}
