// 'use': the sender declares the roles it gives our link (successor, finger), or turns ours down.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { RingContext } from '../context.js';
import type { LinkRoles } from '../roles.js';
import { UseMsg } from '../schemas.js';

export function useHandler(ctx: Pick<RingContext, 'stats'> & { readonly roles: Pick<LinkRoles, 'received'> }, env: Envelope): void {
  const msg = check(UseMsg, env.body, 'use');
  if (!msg.ok) return void ctx.stats.badBodies++;
  ctx.roles.received(env.src, msg.value);
}
