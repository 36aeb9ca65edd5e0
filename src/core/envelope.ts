// The one envelope every frame between peers travels in. Bodies are checked again by the
// service that owns the operation, against that operation's own schema.
//
// Ids come out of the trust boundary branded: a field checked against PeerIdHex is a PeerId, so
// neither the envelope's source nor a peer named in a body needs a cast. The brand is asserted
// here, by the schemas, and nowhere else on the way in.
import { Type, type Static } from '@sinclair/typebox';
import type { KeyHex, PeerId } from './id.js';

export const WIRE_VERSION = 1;
/** A data channel message may not exceed 256 KiB; we stay well below it and split larger payloads. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** The longest route a message may take before it is dropped (log2 of 2^160 peers is 160). */
export const MAX_TTL = 255;
/** Message ids are 32-bit: a peer's ids wrap after 2^32 messages, long after any reply could be pending. */
export const MID_SPACE = 0x1_0000_0000;
const MessageId = Type.Integer({ minimum: 0, maximum: MID_SPACE - 1 });

/** Any 160-bit id as 40 lower-case hex characters (a key, a chunk id). */
export const HexId = Type.String({ pattern: '^[0-9a-f]{40}$', minLength: 40, maxLength: 40 });
/** A peer's id on the wire: checked as HexId, typed PeerId. */
export const PeerIdHex = Type.Unsafe<PeerId>(HexId);
/** A key on the wire (what a message routed to a key's owner names): checked as HexId, typed KeyHex. */
export const KeyHexSchema = Type.Unsafe<KeyHex>(HexId);
export const RingName = Type.Union([Type.Literal('base'), Type.Literal('asc')]);
export type RingName = Static<typeof RingName>;
const Name = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' });

export const EnvelopeSchema = Type.Object(
  {
    /** wire version */
    v: Type.Literal(WIRE_VERSION),
    /** message id, unique per source for duplicate suppression and reply matching */
    mid: MessageId,
    /** the peer that created the message */
    src: PeerIdHex,
    /** destination: a key (delivered to its owner) or a peer id (delivered to that peer), as `to` says */
    dst: Type.Unsafe<PeerId | KeyHex>(HexId),
    to: Type.Union([Type.Literal('key'), Type.Literal('peer')]),
    ring: RingName,
    svc: Name,
    op: Name,
    hops: Type.Integer({ minimum: 0, maximum: MAX_TTL }),
    ttl: Type.Integer({ minimum: 0, maximum: MAX_TTL }),
    /** when this message answers another: that message's id */
    re: Type.Optional(MessageId),
    body: Type.Unknown(),
  },
  { additionalProperties: false },
);

/** The envelope as the schema sees it: `dst` is either kind of id. */
type WireEnvelope = Static<typeof EnvelopeSchema>;
type EnvelopeFields = Omit<WireEnvelope, 'to' | 'dst'>;
/** A message for one peer: delivered to dst itself (routed toward its id when not linked). */
export type PeerEnvelope = EnvelopeFields & { to: 'peer'; dst: PeerId };
/** A message for the owner of a key: routed to the key's successor. */
export type KeyEnvelope = EnvelopeFields & { to: 'key'; dst: KeyHex };
/**
 * A checked envelope, its destination typed by `to`. The schema checks `to` and `dst` each on its
 * own (a key and a peer id have the same form), so checkEnvelope (core/codec.ts) names the pair.
 */
export type Envelope = PeerEnvelope | KeyEnvelope;
