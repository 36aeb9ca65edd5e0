// 'hint': a peer may be our closer successor. From the candidate itself (a joiner that learned
// from our successor that we precede it) it is adopted at once, since the link proves who it is
// and the next stabilize round checks it against our successor; from our successor (it took a
// new predecessor) we verify it with a stabilize round first.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { RingContext } from '../context.js';
import { HintMsg } from '../schemas.js';
import type { Stabilizer } from '../stabilize.js';

export function hintHandler(ctx: Pick<RingContext, 'state' | 'stats'> & { readonly stabilizer: Pick<Stabilizer, 'successorClaim' | 'hinted'> }, env: Envelope): void {
  const msg = check(HintMsg, env.body, 'hint');
  if (!msg.ok) return void ctx.stats.badBodies++;
  const candidate = msg.value.succ;
  if (env.src === candidate) ctx.stabilizer.successorClaim(candidate);
  else if (env.src === ctx.state.successor()) ctx.stabilizer.hinted(candidate);
}
