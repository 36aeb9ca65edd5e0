// The one way a coordination handler checks a request body: against its schema, and a bad body is
// counted and answered with an error reply (never thrown), so every handler answers bad input alike.
import type { Static, TSchema } from '@sinclair/typebox';
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { ErrorReply } from './messages.js';
import type { RingPort } from '../../overlay/port.js';
import type { CoordStats } from './stats.js';

/** Longest message an error reply carries (its schema allows 1024 characters). */
const MAX_ERROR_MESSAGE_CHARS = 1000;

/** The error reply for a code and a message; the field order is the wire's. */
export function errorReply(code: string, message: string): ErrorReply {
  return { type: 'error', code, message: message.slice(0, MAX_ERROR_MESSAGE_CHARS) };
}

/** The request's body checked against its schema, or null once a bad body is counted and answered with the error. */
export function checkedBody<T extends TSchema>(schema: T, env: Envelope, what: string, ring: Pick<RingPort, 'reply'>, stats: CoordStats): Static<T> | null {
  const c = check(schema, env.body, what);
  if (c.ok) return c.value;
  stats.badBodies++;
  ring.reply(env, errorReply(c.error.code, c.error.message));
  return null;
}
