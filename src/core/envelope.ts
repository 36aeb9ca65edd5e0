// The one envelope every frame between peers travels in. Bodies are checked again by the
// service that owns the operation, against that operation's own schema.
import { Type, type Static } from '@sinclair/typebox';

export const WIRE_VERSION = 1;
/** A data channel message may not exceed 256 KiB; we stay well below it and split larger payloads. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** The longest route a message may take before it is dropped (log2 of 2^160 peers is 160). */
export const MAX_TTL = 255;

export const HexId = Type.String({ pattern: '^[0-9a-f]{40}$', minLength: 40, maxLength: 40 });
export const RingName = Type.Union([Type.Literal('base'), Type.Literal('asc')]);
export type RingName = Static<typeof RingName>;
const Name = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' });

export const EnvelopeSchema = Type.Object(
  {
    /** wire version */
    v: Type.Literal(WIRE_VERSION),
    /** message id, unique per source for duplicate suppression and reply matching */
    mid: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
    /** the peer that created the message */
    src: HexId,
    /** destination: a key (delivered to its owner) or a peer id (delivered to that peer) */
    dst: HexId,
    to: Type.Union([Type.Literal('key'), Type.Literal('peer')]),
    ring: RingName,
    svc: Name,
    op: Name,
    hops: Type.Integer({ minimum: 0, maximum: MAX_TTL }),
    ttl: Type.Integer({ minimum: 0, maximum: MAX_TTL }),
    /** when this message answers another: that message's id */
    re: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
    body: Type.Unknown(),
  },
  { additionalProperties: false },
);

export type Envelope = Static<typeof EnvelopeSchema>;
