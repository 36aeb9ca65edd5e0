// Index chunks: how a file of more than MAX_INLINE_CHUNKS chunks lists them. Its record lists
// index chunks (ids, holders, sizes) instead of data chunks, and index chunk j lists the refs of
// data chunks j*fanout .. (j+1)*fanout-1 (ids and holders, in the record's compact form). An index
// chunk is content-addressed, placed, replicated, verified and repaired like any chunk; one level
// only, so a reader is never more than one index fetch away from a data chunk. Whoever reads one
// (a reader, the sKeeper's repair) checks it here after its hash: a holder cannot forge one, but a
// writer can store any bytes it likes and commit a record pointing at them.
import { Type } from '@sinclair/typebox';
import { check, decodeValue, encodeValue } from '../../core/codec.js';
import { CumulusError, err, ok, type Result } from '../../core/errors.js';
import { MAX_HOLDERS_PER_CHUNK, MAX_INDEX_BYTES, MAX_INDEX_FANOUT } from './constants.js';
import { HolderIndexes, packRefs, unpackRefs, type ChunkRef } from './records.js';

/** The version an index chunk carries, so a later format can be told apart. */
export const INDEX_FORMAT = 1;

export const IndexChunkSchema = Type.Object(
  {
    v: Type.Literal(INDEX_FORMAT),
    /** data chunk ids, 20 bytes each, concatenated */
    ids: Type.Uint8Array({ maxByteLength: 20 * MAX_INDEX_FANOUT }),
    /** distinct holder peer ids, 20 bytes each, concatenated */
    peers: Type.Uint8Array({ maxByteLength: 20 * MAX_INDEX_FANOUT * MAX_HOLDERS_PER_CHUNK }),
    /** for each data chunk, indexes into peers */
    holders: HolderIndexes(MAX_INDEX_FANOUT),
  },
  { additionalProperties: false },
);

/** An index chunk whose bytes hash to its id but that is not a valid index of the file naming it. */
export class IndexCorruptError extends CumulusError {
  constructor(path: string, chunk: string, reason: string) {
    super('SCHEMA_MISMATCH', `malformed index chunk ${chunk} of ${path}: ${reason}`, { path, chunk });
  }
}

/** Data chunk refs index chunk `j` of a file of `chunks` chunks lists. */
export function indexSpan(chunks: number, fanout: number, j: number): number {
  return Math.min(fanout, chunks - j * fanout);
}

/** Index chunks a file of `chunks` chunks needs. */
export function indexCount(chunks: number, fanout: number): number {
  return Math.ceil(chunks / fanout);
}

/** The bytes of an index chunk listing `refs` (at most MAX_INDEX_FANOUT; always under MAX_INDEX_BYTES). */
export function encodeIndexChunk(refs: readonly ChunkRef[]): Result<Uint8Array> {
  return encodeValue({ v: INDEX_FORMAT, ...packRefs(refs) }, MAX_INDEX_BYTES);
}

/**
 * The refs an index chunk lists, checked against its schema and against what the record says it
 * must hold (`expected` refs). Never throws: a malformed index is an error value.
 */
export function decodeIndexChunk(bytes: Uint8Array, expected: number, path: string, id: string): Result<ChunkRef[]> {
  const bad = (reason: string) => err(new IndexCorruptError(path, id, reason));
  const v = decodeValue(bytes, MAX_INDEX_BYTES);
  if (!v.ok) return bad(v.error.message);
  const c = check(IndexChunkSchema, v.value, 'index chunk');
  if (!c.ok) return bad(c.error.message);
  const refs = unpackRefs(c.value.ids, c.value.peers, c.value.holders, expected);
  return typeof refs === 'string' ? bad(refs) : ok(refs);
}
