// The rendezvous server's WebSocket protocol (JSON text frames). The server only checks shapes:
// it relays SignalMessages between peers without looking inside the SDP.
//
//   server → client  {type:'challenge', v, nonce}                      on connect
//   client → server  {type:'hello', id, publicKey, sig}                sig over helloPayload(nonce, id)
//   server → client  {type:'welcome', contacts, peers, ice?}           a few live peers to connect to,
//                                                                      and STUN/TURN servers with this
//                                                                      peer's own expiring credentials
//   client → server  {type:'signal', to, msg}                          relay to a connected peer
//   server → client  {type:'signal', from, msg}                        from = the sender's proven id
//   client → server  {type:'contacts'}                                 ask for fresh contacts
//   server → client  {type:'contacts', contacts}                      (also unasked: peers of the server's
//                                                                     ring for a member of another ring to meet)
//   client → server  {type:'ice'}                                      fresh TURN credentials
//   server → client  {type:'ice', ice}
//   server → client  {type:'error', code, message}                     then a close for fatal codes
import { Type, type Static } from '@sinclair/typebox';
import { PeerIdHex } from '../../core/envelope.js';
import { SignalMessageSchema } from './messages.js';

export const SIGNAL_PROTOCOL_VERSION = 1;
/** Contacts handed to a joining peer: enough to survive one or two being gone. */
export const CONTACTS_PER_JOIN = 4;
/**
 * How long the challenge/hello/welcome exchange may take, on both ends: the server drops a client
 * that has not said hello by then, and a client stops waiting for its welcome. The exchange is a
 * round trip and a signature, milliseconds; 10 s leaves room for a loaded server or a slow link.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

const hexBytes = (n: number) => Type.String({ minLength: 2 * n, maxLength: 2 * n, pattern: '^[0-9a-f]+$' });

export const ClientHelloSchema = Type.Object({ type: Type.Literal('hello'), id: PeerIdHex, publicKey: hexBytes(32), sig: hexBytes(64) }, { additionalProperties: false });
export const ClientSignalSchema = Type.Object({ type: Type.Literal('signal'), to: PeerIdHex, msg: SignalMessageSchema }, { additionalProperties: false });
export const ClientContactsSchema = Type.Object({ type: Type.Literal('contacts') }, { additionalProperties: false });
export const ClientIceSchema = Type.Object({ type: Type.Literal('ice') }, { additionalProperties: false });
export const ClientMessageSchema = Type.Union([ClientHelloSchema, ClientSignalSchema, ClientContactsSchema, ClientIceSchema]);
export type ClientMessage = Static<typeof ClientMessageSchema>;

export const ServerChallengeSchema = Type.Object({ type: Type.Literal('challenge'), v: Type.Literal(SIGNAL_PROTOCOL_VERSION), nonce: Type.String({ minLength: 16, maxLength: 128 }) });
/**
 * One STUN or TURN server as RTCPeerConnection takes it. TURN entries carry a credential the
 * server issued to this peer alone, valid until `expiresMs` of the ice message (TURN REST API:
 * username `<expiry seconds>:<peer id>`, credential base64(HMAC-SHA1(secret, username))).
 */
export const IceServerSchema = Type.Object({
  urls: Type.Array(Type.String({ minLength: 6, maxLength: 256, pattern: '^(stun|stuns|turn|turns):' }), { minItems: 1, maxItems: 4 }),
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  credential: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
}, { additionalProperties: false });
export type IceServer = Static<typeof IceServerSchema>;
/** The ICE servers of a bootstrap: when the TURN credentials in it stop working (ms since the epoch), if any. */
export const IceConfigSchema = Type.Object({
  servers: Type.Array(IceServerSchema, { maxItems: 8 }),
  expiresMs: Type.Optional(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });
export type IceConfig = Static<typeof IceConfigSchema>;

export const ServerWelcomeSchema = Type.Object({ type: Type.Literal('welcome'), contacts: Type.Array(PeerIdHex, { maxItems: 64 }), peers: Type.Integer({ minimum: 0 }), ice: Type.Optional(IceConfigSchema) });
export const ServerIceSchema = Type.Object({ type: Type.Literal('ice'), ice: IceConfigSchema });
export const ServerContactsSchema = Type.Object({ type: Type.Literal('contacts'), contacts: Type.Array(PeerIdHex, { maxItems: 64 }) });
export const ServerSignalSchema = Type.Object({ type: Type.Literal('signal'), from: PeerIdHex, msg: SignalMessageSchema });
export const ServerErrorSchema = Type.Object({ type: Type.Literal('error'), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 1024 }) });
export const ServerMessageSchema = Type.Union([ServerChallengeSchema, ServerWelcomeSchema, ServerContactsSchema, ServerSignalSchema, ServerIceSchema, ServerErrorSchema]);
export type ServerMessage = Static<typeof ServerMessageSchema>;

/** Wire error codes. Fatal ones are followed by closing the socket. */
export type SignalErrorCode =
  | 'MALFORMED_JSON'
  | 'SCHEMA_MISMATCH'
  | 'TOO_LARGE'
  | 'RATE_LIMITED'
  | 'HELLO_FIRST'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_PEER'
  | 'SERVER_FULL'
  /** Not found in place on the server's ring within the bound after its hello (server/ring-members.ts). */
  | 'NOT_ON_RING';

export const FATAL_CODES: ReadonlySet<SignalErrorCode> = new Set(['MALFORMED_JSON', 'SCHEMA_MISMATCH', 'TOO_LARGE', 'RATE_LIMITED', 'HELLO_FIRST', 'BAD_SIGNATURE', 'SERVER_FULL', 'NOT_ON_RING']);

/** What a peer signs to prove it holds the key of the id it claims, for this connection only. */
export function helloPayload(nonce: string, id: string): Uint8Array {
  return new TextEncoder().encode(`cumulus-hello-v1|${nonce}|${id}`);
}
