// The signaling messages and the Signaler port: how two peers that have no link yet exchange the
// offer, answer and ICE candidates that set one up. They live here, in a protocol layer, so the
// overlay's signal service can check them; the transports that carry them (the rendezvous
// server's WebSocket, an in-memory hub) and the signing live in src/runtime/.
import { Type, type Static } from '@sinclair/typebox';
import type { PeerId } from '../../core/id.js';
import { check } from '../../core/codec.js';
import { PeerIdHex } from '../../core/envelope.js';
import type { Result } from '../../core/errors.js';

export const SIGNAL_VERSION = 1;
/** A data-channel-only SDP is about 600 bytes; 16 KiB leaves room for many candidates. */
export const MAX_SDP_CHARS = 16 * 1024;
export const MAX_CANDIDATE_CHARS = 1024;

const Sid = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-zA-Z._-]+$' });
const Hex = (bytes: number) => Type.String({ minLength: bytes * 2, maxLength: bytes * 2, pattern: '^[0-9a-f]+$' });

const descriptionFields = <T extends 'offer' | 'answer'>(type: T) => ({
  v: Type.Literal(SIGNAL_VERSION),
  type: Type.Literal(type),
  /** the connection attempt this belongs to; a retry or a new link uses a new one */
  sid: Sid,
  sdp: Type.String({ minLength: 1, maxLength: MAX_SDP_CHARS }),
  /** the sender's Ed25519 public key, hex */
  publicKey: Hex(32),
  /** Ed25519 signature over signedPayload(...), hex */
  sig: Hex(64),
});

export const SignalOfferSchema = Type.Object(
  {
    ...descriptionFields('offer'),
    /**
     * A second connection for a link that is up (relayed), to replace it if it opens
     * (src/runtime/link-upgrade.ts): the receiver keeps the link meanwhile. Not signed: whoever
     * carries the offer can add or strip it, which costs at most the link it could drop anyway.
     */
    upgrade: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export const SignalAnswerSchema = Type.Object(descriptionFields('answer'), { additionalProperties: false });
export const SignalCandidateSchema = Type.Object(
  {
    v: Type.Literal(SIGNAL_VERSION),
    type: Type.Literal('candidate'),
    sid: Sid,
    candidate: Type.String({ minLength: 1, maxLength: MAX_CANDIDATE_CHARS }),
    mid: Type.String({ maxLength: 16 }),
  },
  { additionalProperties: false },
);

export const SignalMessageSchema = Type.Union([SignalOfferSchema, SignalAnswerSchema, SignalCandidateSchema]);
export type SignalMessage = Static<typeof SignalMessageSchema>;
export type SignalDescription = Static<typeof SignalOfferSchema> | Static<typeof SignalAnswerSchema>;

/** Peers a sender names as able to reach it while the ring cannot route to it yet. */
export const MAX_RELAY_HINTS = 2;

/** Body of the ops offer, answer and candidate on the overlay: the message and the sender's relays. */
export const OverlaySignalSchema = Type.Object(
  { m: SignalMessageSchema, via: Type.Optional(Type.Array(PeerIdHex, { maxItems: MAX_RELAY_HINTS })) },
  { additionalProperties: false },
);
/** Body of `relay` (to a relay peer) and `relayed` (from it to the target): who sent it, to whom. */
export const RelaySchema = Type.Object(
  { from: PeerIdHex, to: PeerIdHex, m: SignalMessageSchema },
  { additionalProperties: false },
);
export type OverlaySignal = Static<typeof OverlaySignalSchema>;
export type Relay = Static<typeof RelaySchema>;

/** Carries signal messages to a peer by id, whatever the route. */
export interface Signaler {
  send(to: PeerId, msg: SignalMessage): void;
  /** The one handler for incoming messages; `from` is who the transport says sent it. */
  setHandler(fn: (from: PeerId, msg: SignalMessage) => void): void;
}

/** Check an untrusted value against the SignalMessage schema. */
export function parseSignal(value: unknown): Result<SignalMessage> {
  return check(SignalMessageSchema, value, 'signal message');
}
