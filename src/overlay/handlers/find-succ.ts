// 'find-succ': we own the key this request was routed to, so we are its successor.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { RingContext } from '../context.js';
import { FindSuccReq, type FindSuccRep } from '../schemas.js';

export function findSuccHandler(ctx: Pick<RingContext, 'self' | 'config' | 'state' | 'stats' | 'reply'>, env: Envelope): void {
  const req = check(FindSuccReq, env.body, 'find-succ');
  if (!req.ok) return void ctx.stats.badBodies++;
  const rep: FindSuccRep = { owner: ctx.self, succs: ctx.state.succs.slice(0, ctx.config.successorListSize - 1), hops: env.hops };
  // A joiner asks for more: our predecessor (its own predecessor-to-be). Our fingers are not sent
  // as hints: over half of them (the ring's older, busier peers) would refuse the joiner's link,
  // and a finger search costs about two hops (fingers/).
  if (req.value.fingers) rep.pred = ctx.state.pred;
  ctx.reply(env, rep);
}
