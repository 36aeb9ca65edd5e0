// The ring's own operations (service 'chord'), one handler per file, looked up by op name. Each
// handler names the slice of the ring's context and the parts it uses.
import type { Envelope } from '../../core/envelope.js';
import type { RingContext } from '../context.js';
import type { RingParts } from '../parts.js';
import { findFingerHandler } from './find-finger.js';
import { findSuccHandler } from './find-succ.js';
import { hintHandler } from './hint.js';
import { joinHandler } from './join.js';
import { leaveHandler } from './leave.js';
import { pingHandler } from './ping.js';
import { stabilizeHandler } from './stabilize.js';
import { useHandler } from './use.js';

/** Everything a handler may be given; each takes a slice of it. */
export type HandlerContext = RingContext & RingParts;

export type ChordHandler = (ctx: HandlerContext, env: Envelope) => void;

export const CHORD_HANDLERS: Readonly<Record<string, ChordHandler>> = {
  stabilize: stabilizeHandler,
  'find-succ': findSuccHandler,
  join: joinHandler,
  leave: leaveHandler,
  hint: hintHandler,
  ping: pingHandler,
  'find-finger': findFingerHandler,
  use: useHandler,
};

/**
 * What an attached peer (attach.ts) answers: it has no place on the ring, so it takes no part in
 * stabilizing, fingers or handing over keys; a joiner that asks it is told to try elsewhere.
 */
const ATTACHED_OPS: ReadonlySet<string> = new Set(['use', 'ping', 'join']);

/** Hand a message of the ring's own service to its handler. */
export function dispatchChord(ctx: HandlerContext, env: Envelope): void {
  if (ctx.state.attached && !ATTACHED_OPS.has(env.op)) return void ctx.stats.unknownOps++;
  const h = CHORD_HANDLERS[env.op];
  if (h) h(ctx, env);
  else ctx.stats.unknownOps++;
}
