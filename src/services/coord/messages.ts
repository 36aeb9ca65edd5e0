// Wire bodies of the coordination service. Every body is checked against its schema on receipt
// (codec.check); nothing past the check looks at unchecked input.
import { Type, type Static } from '@sinclair/typebox';
import { PeerIdHex } from '../../core/envelope.js';
import { MAX_BATCH_ITEMS, MAX_DURATION_MS, MAX_SNAPS_PER_FRAME, MAX_CAPACITY, MAX_NAME_CHARS, MAX_REPL_SUCCESSORS, MAX_REPLICATED_WAITERS, MAX_WAIT_MS } from './constants.js';

const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_CHARS });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Duration = Type.Integer({ minimum: 0, maximum: MAX_DURATION_MS });
/** Signed: a grant answered to a retry can be valid for less time than the retry has been in flight. */
const SignedDuration = Type.Integer({ minimum: -MAX_DURATION_MS, maximum: MAX_DURATION_MS });
const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });

export const CanIBody = obj({
  name: Name,
  capacity: Type.Integer({ minimum: 1, maximum: MAX_CAPACITY }),
  waitMs: Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS }),
  reqId: Count,
  /**
   * The highest fencing token this solicitor has been granted for the resource. An owner that
   * starts with no copy (every peer that held one is gone) continues above it. Capped at 2^52 so a
   * peer cannot push tokens past the safe integers.
   */
  seenToken: Type.Integer({ minimum: 0, maximum: 2 ** 52 }),
});
export type CanIBody = Static<typeof CanIBody>;

export const REFUSE_REASONS = ['full', 'wait-expired', 'not-owner', 'unavailable', 'capacity-mismatch', 'too-many-resources', 'unknown-lease'] as const;
export type RefuseReason = (typeof REFUSE_REASONS)[number];
const Reason = Type.Union(REFUSE_REASONS.map((r) => Type.Literal(r)));
/** Refusals a solicitor may retry within its wait: the owner is moving or cannot replicate yet. */
export const RETRYABLE: ReadonlySet<RefuseReason> = new Set(['not-owner', 'unavailable']);

export const GrantedReply = obj({ type: Type.Literal('granted'), reqId: Count, token: Count, validMs: SignedDuration });
export const QueuedReply = obj({ type: Type.Literal('queued'), reqId: Count, position: Count });
export const RefusedReply = obj({ type: Type.Literal('refused'), reqId: Count, reason: Reason });
export const ErrorReply = obj({ type: Type.Literal('error'), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 1024 }) });
export type ErrorReply = Static<typeof ErrorReply>;
export const CanIReply = Type.Union([GrantedReply, QueuedReply, RefusedReply, ErrorReply]);
export type CanIReply = Static<typeof CanIReply>;
/** What an owner decides for one CanI. */
export const CanIAnswer = Type.Union([GrantedReply, QueuedReply, RefusedReply]);
export type CanIAnswer = Static<typeof CanIAnswer>;

/** Owner → waiter, when a queued request is granted or refused later. */
export const GrantBody = obj({ name: Name, reqId: Count, token: Count, validMs: SignedDuration });
export type GrantBody = Static<typeof GrantBody>;
export const GrantAck = Type.Union([obj({ type: Type.Literal('ok') }), obj({ type: Type.Literal('unwanted') }), ErrorReply]);
export const RefuseBody = obj({ name: Name, reqId: Count, reason: Reason });
export type RefuseBody = Static<typeof RefuseBody>;

export const ReleaseBody = obj({ name: Name, token: Count });
export type ReleaseBody = Static<typeof ReleaseBody>;
export const ReleaseReply = Type.Union([obj({ type: Type.Literal('released') }), RefusedReply, ErrorReply]);

/**
 * Solicitor → the peer that answered its last CanI for these resources: several CanIs and Releases
 * in one frame, answered by one frame with a reply per item, in order. It saves a routed message
 * per item (each hop is a decode, a check, an encode and a data-channel send).
 */
export const BatchItem = Type.Union([obj({ op: Type.Literal('can-i'), body: CanIBody }), obj({ op: Type.Literal('release'), body: ReleaseBody })]);
export type BatchItem = Static<typeof BatchItem>;
export const BatchBody = obj({ items: Type.Array(BatchItem, { minItems: 1, maxItems: MAX_BATCH_ITEMS }) });
export const Released = obj({ type: Type.Literal('released') });
export const BatchItemReply = Type.Union([GrantedReply, QueuedReply, RefusedReply, Released]);
export type BatchItemReply = Static<typeof BatchItemReply>;
export const BatchReply = Type.Union([obj({ type: Type.Literal('batch'), replies: Type.Array(BatchItemReply, { maxItems: MAX_BATCH_ITEMS }) }), ErrorReply]);

export const RenewBody = obj({ name: Name, token: Count });
export type RenewBody = Static<typeof RenewBody>;
export const RenewReply = Type.Union([obj({ type: Type.Literal('renewed'), validMs: SignedDuration }), RefusedReply, ErrorReply]);

export const LeaseWire = obj({ token: Count, holder: PeerIdHex, reqId: Count, remainingMs: Duration });
export const WaiterWire = obj({ reqId: Count, holder: PeerIdHex, waitRemainingMs: Duration });
/** One resource's whole structure, with times as durations so that clock offsets do not matter. */
export const Snapshot = obj({
  name: Name,
  capacity: Type.Integer({ minimum: 1, maximum: MAX_CAPACITY }),
  owner: PeerIdHex,
  epoch: Count,
  version: Count,
  token: Count,
  blockedRemainingMs: Duration,
  leases: Type.Array(LeaseWire, { maxItems: 2 * MAX_CAPACITY }),
  waiters: Type.Array(WaiterWire, { maxItems: MAX_REPLICATED_WAITERS }),
});
export type Snapshot = Static<typeof Snapshot>;

/**
 * pred: the start of the range the sender claims, (pred, sender]; targets: its replica list, nearest
 * first. Each replica checks both against its own view before it acks.
 */
export const ReplicateBody = obj({ snap: Snapshot, pred: PeerIdHex, targets: Type.Array(PeerIdHex, { minItems: 1, maxItems: MAX_REPL_SUCCESSORS }) });
export const ReplicateReply = Type.Union([obj({ type: Type.Literal('ack') }), obj({ type: Type.Literal('conflict'), snap: Snapshot }), RefusedReply, ErrorReply]);
export type ReplicateReply = Static<typeof ReplicateReply>;
/** What a replica answers for one snapshot. */
export const ReplicaVerdict = Type.Union([obj({ type: Type.Literal('ack') }), obj({ type: Type.Literal('conflict'), snap: Snapshot }), RefusedReply]);
export type ReplicaVerdict = Static<typeof ReplicaVerdict>;
/** Several resources' snapshots from one owner in one frame (group commit over the owner's resources). */
export const ReplicateManyBody = obj({
  snaps: Type.Array(Snapshot, { minItems: 1, maxItems: MAX_SNAPS_PER_FRAME }),
  pred: PeerIdHex,
  targets: Type.Array(PeerIdHex, { minItems: 1, maxItems: MAX_REPL_SUCCESSORS }),
});
export const ReplicateManyReply = Type.Union([obj({ type: Type.Literal('results'), results: Type.Array(ReplicaVerdict, { maxItems: MAX_SNAPS_PER_FRAME }) }), ErrorReply]);
export const HandoffBody = obj({ snap: Snapshot });
export const HandoffReply = Type.Union([obj({ type: Type.Literal('ack') }), RefusedReply, ErrorReply]);

/** Owner → its predecessor: do you confirm me as your successor? (see confirm.ts) */
export const ConfirmBody = obj({});
export const ConfirmReply = Type.Union([
  obj({ type: Type.Literal('confirmed'), validMs: Duration, quietMs: Duration }),
  obj({ type: Type.Literal('refused') }),
  ErrorReply,
]);

