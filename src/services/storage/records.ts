// Metadata records kept by sKeepers, and their compact wire/store form. A record is the whole
// truth about one path: a file version (size, chunk list, where each replica went, etag), a
// directory, or a tombstone that stops a stale replica from resurrecting a deleted name.
import { Type, type Static } from '@sinclair/typebox';
import { check, decodeValue, encodeValue } from '../../core/codec.js';
import { err, ok, type Result } from '../../core/errors.js';
import { bytesToHex, idFromHex, idToBytes, type PeerId } from '../../core/id.js';
import { SchemaMismatchError } from '../../core/errors.js';
import { MAX_CHUNKS_PER_FILE, MAX_CHUNK_BYTES, MAX_HOLDERS_PER_CHUNK, MAX_META_BYTES, MAX_PATH_BYTES, MIN_CHUNK_BYTES, ReplicasSchema } from './constants.js';

export interface ChunkRef {
  /** 40 hex chars: the first 160 bits of the chunk's SHA-256. */
  id: string;
  /** Peers that were given a replica, live ones first. */
  holders: PeerId[];
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
  chunks: ChunkRef[];
  /** Media type the writer gave (the gateway's Content-Type), served back on reads. */
  contentType?: string;
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

export const WireFileSchema = Type.Object(
  {
    kind: Type.Literal('file'),
    path: Path,
    rev: Rev,
    version: Rev,
    size: Type.Integer({ minimum: 0, maximum: MAX_CHUNKS_PER_FILE * MAX_CHUNK_BYTES }),
    chunkBytes: Type.Integer({ minimum: MIN_CHUNK_BYTES, maximum: MAX_CHUNK_BYTES }),
    replicas: ReplicasSchema,
    etag: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    mtimeMs: Ms,
    contentType: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CONTENT_TYPE_BYTES })),
    /** chunk ids, 20 bytes each, concatenated */
    ids: Type.Uint8Array({ maxByteLength: 20 * MAX_CHUNKS_PER_FILE }),
    /** distinct holder peer ids, 20 bytes each, concatenated */
    peers: Type.Uint8Array({ maxByteLength: 20 * MAX_CHUNKS_PER_FILE * MAX_HOLDERS_PER_CHUNK }),
    /** for each chunk, indexes into peers */
    holders: Type.Array(Type.Array(Type.Integer({ minimum: 0, maximum: MAX_CHUNKS_PER_FILE * MAX_HOLDERS_PER_CHUNK }), { maxItems: MAX_HOLDERS_PER_CHUNK }), {
      maxItems: MAX_CHUNKS_PER_FILE,
    }),
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

export function toWire(rec: MetaRecord): WireRecord {
  if (rec.kind !== 'file') return { ...rec };
  const ids = new Uint8Array(20 * rec.chunks.length);
  const peerIndex = new Map<string, number>();
  const peerList: string[] = [];
  const holders = rec.chunks.map((c, i) => {
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
  const { chunks: _chunks, ...rest } = rec;
  return { ...rest, ids, peers, holders };
}

/** Turn a schema-checked wire record into a record, checking what the schema cannot. */
export function fromWire(w: WireRecord): Result<MetaRecord> {
  if (w.kind !== 'file') return ok({ ...w });
  const bad = (reason: string) => err(new SchemaMismatchError('file record', '', reason));
  const n = chunkCount(w.size, w.chunkBytes);
  if (w.ids.length !== 20 * n || w.holders.length !== n) return bad(`a ${w.size}-byte file in ${w.chunkBytes}-byte chunks has ${n} chunks`);
  if (w.peers.length % 20 !== 0) return bad('peer table is not a multiple of 20 bytes');
  const peerCount = w.peers.length / 20;
  const peers: PeerId[] = [];
  for (let i = 0; i < peerCount; i++) peers.push(bytesToHex(w.peers.subarray(20 * i, 20 * i + 20)) as PeerId);
  const chunks: ChunkRef[] = [];
  for (let i = 0; i < n; i++) {
    const hs = w.holders[i]!;
    if (hs.some((k) => k >= peerCount)) return bad(`chunk ${i} names a holder outside the peer table`);
    chunks.push({ id: bytesToHex(w.ids.subarray(20 * i, 20 * i + 20)), holders: hs.map((k) => peers[k]!) });
  }
  const { ids: _i, peers: _p, holders: _h, ...rest } = w;
  return ok({ ...rest, chunks });
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
