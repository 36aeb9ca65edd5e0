// Calling a storage operation on another peer: send, await the reply, check the reply's body
// against the operation's schema, and turn an error reply back into a typed error.
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import { CumulusError, isErrorCode, type ErrorCode } from '../../core/errors.js';
import type { Id, PeerId } from '../../core/id.js';
import { STORAGE_SVC } from './constants.js';
import { ErrorReply, Replies, type ReplyBody, type RequestBody, type StorageOp } from './messages.js';
import { RemoteError } from './errors.js';
import type { RingPort } from '../../overlay/port.js';

/**
 * Codes a storage peer may answer with. Frame and version codes are left out: they describe a frame
 * this peer sent or received, never one the answering peer did; another code becomes INTERNAL.
 */
const REMOTE_CODES = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'SCHEMA_MISMATCH', 'TIMEOUT', 'PEER_GONE', 'NOT_FOUND', 'ALREADY_EXISTS', 'OVER_QUOTA', 'REFUSED', 'NOT_OWNER',
  'UNAVAILABLE', 'IS_A_DIRECTORY', 'NOT_A_DIRECTORY', 'DIRECTORY_NOT_EMPTY', 'CANCELLED', 'INTERNAL',
]);

export interface CallResult<Op extends StorageOp> {
  body: ReplyBody<Op>;
  /** The peer that answered: for a routed call, the key's owner at that moment. */
  from: PeerId;
}

export async function call<Op extends StorageOp>(
  ring: RingPort,
  target: Id | { peer: PeerId },
  op: Op,
  body: RequestBody<Op>,
  timeoutMs: number,
  /** For a key: send the first hop to the two best next hops (see RingPort.request). */
  routing: { redundant?: boolean } = {},
): Promise<CallResult<Op>> {
  const env = await ring.request(target, STORAGE_SVC, op, body, routing.redundant ? { timeoutMs, redundant: true } : { timeoutMs });
  return { body: parseReply(op, env), from: env.src };
}

/** Check a reply body: a typed error reply is thrown as RemoteError, a malformed one as SCHEMA_MISMATCH. */
export function parseReply<Op extends StorageOp>(op: Op, env: Envelope): ReplyBody<Op> {
  const b = env.body as { ok?: unknown };
  if (b && typeof b === 'object' && b.ok === false) {
    const e = check(ErrorReply, b, `${op} error reply`);
    if (!e.ok) throw e.error;
    const code = isErrorCode(e.value.code) && REMOTE_CODES.has(e.value.code) ? e.value.code : 'INTERNAL';
    throw new RemoteError(code, e.value.message);
  }
  const r = check(Replies[op], env.body, `${op} reply`);
  if (!r.ok) throw r.error;
  return r.value as ReplyBody<Op>;
}

/** The body of an error reply for any thrown value; internal details never leave the peer. */
export function errorBody(e: unknown): ErrorReply {
  if (e instanceof CumulusError) return { ok: false, code: e.code, message: e.message.slice(0, 512) };
  return { ok: false, code: 'INTERNAL', message: 'internal error' };
}
