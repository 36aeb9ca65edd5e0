// 'join': a joining peer is not routable yet, so its bootstrap looks up the joiner's successor
// on its behalf and answers over the link they share.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { idFromHex } from '../../core/id.js';
import type { RingContext } from '../context.js';
import type { Maintenance } from '../maintenance.js';
import type { LinkRoles } from '../roles.js';
import { JoinReq } from '../schemas.js';

type JoinHandlerContext = Pick<RingContext, 'clock' | 'config' | 'stats' | 'isJoined' | 'reply' | 'state'> & {
  readonly maintenance: Pick<Maintenance, 'findSuccessor'>;
  readonly roles: Pick<LinkRoles, 'holdForJoiner'>;
};

export function joinHandler(ctx: JoinHandlerContext, env: Envelope): void {
  const req = check(JoinReq, env.body, 'join');
  if (!req.ok) return void ctx.stats.badBodies++;
  // Not in place ourselves (joining too, or a ring of one still settling): say so, so the joiner
  // tries its next contact now instead of waiting out its attempts on us.
  // An attached peer (attach.ts) has no place for a joiner to be next to.
  if (!ctx.isJoined() || ctx.state.attached) return void ctx.reply(env, { refused: 'not-in-place' });
  // A joiner's link to us is its way to the ring until its successor is linked (a member asking
  // where it belongs, relocate, has links of its own).
  if (req.value.relocate !== true) ctx.roles.holdForJoiner(env.src);
  // A peer that has just joined may not have its own successor linked yet, so the lookup can
  // fail at once; it gets one more try a little later, then the joiner is told there is no route.
  const key = idFromHex(env.src);
  const exclude = req.value.relocate ? env.src : undefined;
  ctx.maintenance.findSuccessor(key, true, undefined, (e, rep) => {
    if (!e) return void ctx.reply(env, rep);
    ctx.clock.setTimer(ctx.config.stabilizeIntervalMs / 2, () => {
      if (!ctx.isJoined()) return void ctx.reply(env, { refused: 'not-in-place' });
      ctx.maintenance.findSuccessor(key, true, undefined, (e2, rep2) => {
        ctx.reply(env, e2 ? { refused: 'no-route' } : rep2);
      }, false, exclude);
    });
  }, false, exclude);
}
