// 'leave': a neighbour departs gracefully and names its predecessor and successors.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { RingContext } from '../context.js';
import type { Maintenance } from '../maintenance.js';
import { LeaveMsg } from '../schemas.js';

export function leaveHandler(ctx: Pick<RingContext, 'stats'> & { readonly maintenance: Pick<Maintenance, 'peerLeft'> }, env: Envelope): void {
  const msg = check(LeaveMsg, env.body, 'leave');
  if (!msg.ok) return void ctx.stats.badBodies++;
  ctx.maintenance.peerLeft(env.src, msg.value);
}
