// 'ping': prove we are alive to the peer that asked.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { RingContext } from '../context.js';
import { PingMsg } from '../schemas.js';

export function pingHandler(ctx: Pick<RingContext, 'stats' | 'reply'>, env: Envelope): void {
  if (!check(PingMsg, env.body, 'ping').ok) return void ctx.stats.badBodies++;
  ctx.reply(env, {});
}
