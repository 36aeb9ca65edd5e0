// Every storage message body and its schema. Bodies are checked on receipt (requests by the
// handler, replies by the caller) before any code looks at them.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { HexId, PeerIdHex } from '../../core/envelope.js';
import { MAX_CHUNK_BYTES, MAX_GONE_KEYS, MAX_LIST_LIMIT, MAX_NAME_BYTES, MAX_PATH_BYTES, MAX_PROBE_CHUNKS, MAX_SUMMARY_FRAME_KEYS, MAX_SYNC_RECORDS, PIECE_BYTES, PIECE_WINDOW } from './constants.js';
import { WireFileSchema, WireRecordSchema } from './records.js';

const Path = Type.String({ minLength: 1, maxLength: MAX_PATH_BYTES });
const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_BYTES });
const Kind = Type.Union([Type.Literal('file'), Type.Literal('dir')]);
const Entry = Type.Object({ name: Name, kind: Kind }, { additionalProperties: false });
const strict = { additionalProperties: false } as const;

/** Most entries a sync item carries for one directory (keeps a sync frame under 64 KiB). */
export const MAX_SYNC_ENTRIES = 1000;

export const Requests = {
  // sKeeper operations, routed to the owner of hash(path) (link/unlink: of hash(dir)).
  stat: Type.Object({ path: Path }, strict),
  commit: Type.Object({ rec: WireFileSchema }, strict),
  mkdir: Type.Object({ path: Path }, strict),
  rm: Type.Object({ path: Path }, strict),
  list: Type.Object({ path: Path, limit: Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT }), marker: Type.Optional(Name) }, strict),
  link: Type.Object({ dir: Path, name: Name, kind: Kind }, strict),
  unlink: Type.Object({ dir: Path, name: Name }, strict),
  // Metadata replication from an sKeeper to its successors (sent to a peer).
  sync: Type.Object(
    {
      items: Type.Array(
        Type.Object(
          {
            rec: WireRecordSchema,
            entries: Type.Optional(Type.Array(Entry, { maxItems: MAX_SYNC_ENTRIES })),
            add: Type.Optional(Entry),
            remove: Type.Optional(Name),
          },
          strict,
        ),
        { minItems: 1, maxItems: MAX_SYNC_RECORDS },
      ),
    },
    strict,
  ),
  // sHolder operations, routed to a candidate key or sent to a recorded holder.
  put: Type.Object(
    {
      id: HexId,
      off: Type.Integer({ minimum: 0, maximum: MAX_CHUNK_BYTES }),
      total: Type.Integer({ minimum: 1, maximum: MAX_CHUNK_BYTES }),
      data: Type.Uint8Array({ minByteLength: 1, maxByteLength: PIECE_BYTES }),
      // The ring key of the path whose file the chunk belongs to (its sKeeper's key), on the first
      // piece: the holder keeps it in the summary its successors hold (departures.ts).
      keeper: Type.Optional(HexId),
    },
    strict,
  ),
  // A writer that stops sending a chunk part way (placement had its replicas from others, or a
  // piece failed) tells the holder, which drops its half-assembled copy unless another writer is
  // still filling it: an abandoned assembly would hold one of the holder's slots (MAX_ASSEMBLIES).
  abandon: Type.Object({ id: HexId }, strict),
  get: Type.Object({ id: HexId, off: Type.Integer({ minimum: 0, maximum: MAX_CHUNK_BYTES }), len: Type.Integer({ minimum: 1, maximum: PIECE_BYTES }) }, strict),
  // Several pieces for one request: the holder pushes them as one-way `piece` messages tagged
  // `tag`, then replies. One request per window instead of one per piece.
  read: Type.Object(
    { id: HexId, off: Type.Integer({ minimum: 0, maximum: MAX_CHUNK_BYTES }), len: Type.Integer({ minimum: 1, maximum: PIECE_WINDOW * PIECE_BYTES }), tag: Type.Integer({ minimum: 0, maximum: 0xffffffff }) },
    strict,
  ),
  has: Type.Object({ ids: Type.Array(HexId, { minItems: 1, maxItems: MAX_PROBE_CHUNKS }) }, strict),
  // A holder's summary for its successors: the sKeeper keys of the files whose chunks it holds
  // (`reset` starts a full copy; without it the keys are added). See departures.ts.
  summary: Type.Object({ reset: Type.Boolean(), keys: Type.Array(HexId, { maxItems: MAX_SUMMARY_FRAME_KEYS }) }, strict),
  // A departure notice, routed to keys[0]: `peer` held chunks of the files at these sKeeper keys
  // (sorted) and is gone. The owner repairs those it owns and says how many leading keys it took.
  gone: Type.Object({ peer: PeerIdHex, keys: Type.Array(HexId, { minItems: 1, maxItems: MAX_GONE_KEYS }) }, strict),
} as const;

export type StorageOp = keyof typeof Requests;
export type RequestBody<Op extends StorageOp> = Static<(typeof Requests)[Op]>;

const Ok = Type.Literal(true);
export const Replies = {
  stat: Type.Object({ ok: Ok, rec: Type.Optional(WireRecordSchema) }, strict),
  commit: Type.Object({ ok: Ok, version: Type.Integer({ minimum: 1 }) }, strict),
  mkdir: Type.Object({ ok: Ok }, strict),
  rm: Type.Object({ ok: Ok }, strict),
  list: Type.Object({ ok: Ok, entries: Type.Array(Entry, { maxItems: MAX_LIST_LIMIT }), next: Type.Optional(Name) }, strict),
  link: Type.Object({ ok: Ok }, strict),
  unlink: Type.Object({ ok: Ok }, strict),
  sync: Type.Object({ ok: Ok }, strict),
  put: Type.Object({ ok: Ok, done: Type.Boolean() }, strict),
  abandon: Type.Object({ ok: Ok, dropped: Type.Boolean() }, strict),
  get: Type.Object({ ok: Ok, total: Type.Integer({ minimum: 1, maximum: MAX_CHUNK_BYTES }), data: Type.Uint8Array({ maxByteLength: PIECE_BYTES }) }, strict),
  read: Type.Object({ ok: Ok, total: Type.Integer({ minimum: 1, maximum: MAX_CHUNK_BYTES }), pieces: Type.Integer({ minimum: 0, maximum: PIECE_WINDOW }) }, strict),
  has: Type.Object({ ok: Ok, have: Type.Array(Type.Boolean(), { maxItems: MAX_PROBE_CHUNKS }) }, strict),
  summary: Type.Object({ ok: Ok }, strict),
  gone: Type.Object({ ok: Ok, handled: Type.Integer({ minimum: 0, maximum: MAX_GONE_KEYS }) }, strict),
} satisfies Record<StorageOp, TSchema>;

export type ReplyBody<Op extends StorageOp> = Static<(typeof Replies)[Op]>;

/** A piece pushed by a holder for a `read` (one-way, op `piece`); it must match a read this peer has open. */
export const PieceMessage = Type.Object(
  { tag: Type.Integer({ minimum: 0, maximum: 0xffffffff }), id: HexId, off: Type.Integer({ minimum: 0, maximum: MAX_CHUNK_BYTES }), data: Type.Uint8Array({ minByteLength: 1, maxByteLength: PIECE_BYTES }) },
  strict,
);
export type PieceMessage = Static<typeof PieceMessage>;
export const PIECE_OP = 'piece';

/** A failure reply: the error's code and message travel, never a stack. */
export const ErrorReply = Type.Object({ ok: Type.Literal(false), code: Type.String({ maxLength: 32 }), message: Type.String({ maxLength: 512 }) }, strict);
export type ErrorReply = Static<typeof ErrorReply>;
