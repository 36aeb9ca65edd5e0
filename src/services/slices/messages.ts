// Wire bodies of the slices service. Every body is checked against its schema on receipt
// (codec.check); nothing past the check looks at unchecked input.
import { Type, type Static } from '@sinclair/typebox';
import { PeerIdHex } from '../../core/envelope.js';
import { ATTRIBUTE_NAMES } from '../../gossip/attributes.js';
import { MAX_NAME_CHARS, MAX_RING_ENTRIES, MAX_SHARED_PEERS, MAX_SLICE_SIZE, MAX_SLICES, RING_SEEDS } from './constants.js';

const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });

/** Lower-case letters, digits and dashes, starting with a letter or digit: safe in a URL and a shell. */
export const SliceName = Type.String({ pattern: `^[a-z0-9][a-z0-9-]{0,${MAX_NAME_CHARS - 1}}$` });
/** The customer a slice belongs to (a gateway user name): only its owner sees and changes it. */
export const Owner = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' });
const Size = Type.Integer({ minimum: 1, maximum: MAX_SLICE_SIZE });
/** The selection: the top fraction of peers by an attribute (deciles, so 0.1 steps are meaningful). */
const Top = Type.Number({ exclusiveMinimum: 0, maximum: 1 });
export const AttributeName = Type.Union(ATTRIBUTE_NAMES.map((n) => Type.Literal(n)));

/** A slice as the directory keeps it: what was asked and who is in it now, in id order (the ring). */
export const SliceRecord = obj({
  name: SliceName,
  owner: Owner,
  size: Size,
  top: Top,
  by: AttributeName,
  members: Type.Array(PeerIdHex, { maxItems: MAX_SLICE_SIZE }),
  /** Each member's successor on the slice's ring as it reported it at the last probe (ring[i] follows members[i]). */
  ring: Type.Array(PeerIdHex, { maxItems: MAX_SLICE_SIZE }),
  /** Members replaced since the slice was created (a repair count, for `slice show`). */
  repairs: Type.Integer({ minimum: 0, maximum: 2 ** 40 }),
});
export type SliceRecord = Static<typeof SliceRecord>;

export const CreateBody = obj({ name: SliceName, owner: Owner, size: Size, top: Type.Optional(Top), by: Type.Optional(AttributeName) });
export type CreateBody = Static<typeof CreateBody>;
export const ResizeBody = obj({ name: SliceName, owner: Owner, delta: Type.Integer({ minimum: -MAX_SLICE_SIZE, maximum: MAX_SLICE_SIZE }) });
export type ResizeBody = Static<typeof ResizeBody>;
export const NameBody = obj({ name: SliceName });
export type NameBody = Static<typeof NameBody>;
export const OwnedBody = obj({ name: SliceName, owner: Owner });
export type OwnedBody = Static<typeof OwnedBody>;
export const OwnerBody = obj({ owner: Owner });

/** A slice in the directory's listing: no member list, so every slice fits one answer. */
export const SliceSummary = obj({ name: SliceName, size: Size, top: Top, by: AttributeName, members: Type.Integer({ minimum: 0, maximum: MAX_SLICE_SIZE }) });
export type SliceSummary = Static<typeof SliceSummary>;

export const ErrorReply = obj({ type: Type.Literal('error'), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 1024 }) });
export type ErrorReply = Static<typeof ErrorReply>;
export const RecordReply = Type.Union([obj({ type: Type.Literal('slice'), slice: SliceRecord }), ErrorReply]);
export const ListReply = Type.Union([obj({ type: Type.Literal('slices'), slices: Type.Array(SliceSummary, { maxItems: MAX_SLICES }) }), ErrorReply]);
export const DoneReply = Type.Union([obj({ type: Type.Literal('done') }), ErrorReply]);

/**
 * Keeper → member (or candidate): be (or stay) a member of this slice; `seeds` are a few other
 * members its ring view may start from (ring.ts). `top` and `by` are the selection a candidate
 * must meet to join.
 */
export const MemberBody = obj({ name: SliceName, top: Top, by: AttributeName, seeds: Type.Array(PeerIdHex, { maxItems: RING_SEEDS }), join: Type.Boolean() });
export type MemberBody = Static<typeof MemberBody>;
export const MEMBER_REFUSALS = ['busy', 'unranked', 'below', 'not-member'] as const;
/**
 * A member's or candidate's answer, with a few peers of its gossip sample: the keeper draws the
 * next candidates from them, so its pool widens as a slice grows instead of resting on its own
 * sample.
 */
export const MemberReply = obj({
  ok: Type.Boolean(),
  reason: Type.Optional(Type.Union(MEMBER_REFUSALS.map((r) => Type.Literal(r)))),
  peers: Type.Array(PeerIdHex, { maxItems: MAX_SHARED_PEERS }),
  /** The member's successor on the slice's ring as its ring view has it (for `slice show`). */
  succ: Type.Optional(PeerIdHex),
});
export type MemberReply = Static<typeof MemberReply>;

/** Keeper → its successors: a copy of one record (or its removal), to take over with. */
export const ReplicaBody = obj({ record: Type.Union([SliceRecord, Type.Null()]), name: SliceName });
export type ReplicaBody = Static<typeof ReplicaBody>;

/** Member ↔ member: the sender's ring view (itself at age 0 first), for the ring exchange (ring.ts). */
const RingEntries = Type.Array(obj({ p: PeerIdHex, a: Type.Integer({ minimum: 0, maximum: 1_000 }) }), { maxItems: MAX_RING_ENTRIES });
export const RingBody = obj({ name: SliceName, entries: RingEntries });
export type RingBody = Static<typeof RingBody>;
/** The answer: the partner's view before it merged ours, or ok false from a peer not in that slice. */
export const RingReply = obj({ ok: Type.Boolean(), entries: RingEntries });
export type RingReply = Static<typeof RingReply>;
