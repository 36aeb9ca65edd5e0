// 'stabilize': answer with our predecessor and successor list; with notify, consider the sender
// as our predecessor first, so the answer already reflects it.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { RingContext } from '../context.js';
import type { FingerAnswers } from '../fingers/index.js';
import { StabilizeReq, type StabilizeRep } from '../schemas.js';
import type { Stabilizer } from '../stabilize.js';

export type StabilizeHandlerContext = Pick<RingContext, 'config' | 'state' | 'stats' | 'reply'> & {
  readonly stabilizer: Pick<Stabilizer, 'notified'>;
  readonly fingerAnswers: Pick<FingerAnswers, 'roomFor'>;
};

export function stabilizeHandler(ctx: StabilizeHandlerContext, env: Envelope): void {
  const req = check(StabilizeReq, env.body, 'stabilize');
  if (!req.ok) return void ctx.stats.badBodies++;
  if (req.value.notify) ctx.stabilizer.notified(env.src, req.value.every);
  const s = ctx.state;
  // Most rounds change nothing: the list goes out only when the asker's copy is out of date.
  const rep: StabilizeRep = { pred: s.pred, v: s.succsVersion };
  if (req.value.v !== s.succsVersion) rep.succs = s.succs.slice(0, ctx.config.successorListSize - 1);
  // The room hint: whether we have room for a finger link. Our predecessor passes a finger search
  // on to us when it has none itself (see fingers/answer.ts).
  if (ctx.fingerAnswers.roomFor(env.src)) rep.room = true;
  ctx.reply(env, rep);
}
