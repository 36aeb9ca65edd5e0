// 'ping': prove we are alive to the peer that asked.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { ChordRing } from '../ring.js';
import { PingMsg } from '../schemas.js';

export function pingHandler(ring: ChordRing, env: Envelope): void {
  if (!check(PingMsg, env.body, 'ping').ok) return void ring.stats.badBodies++;
  ring.reply(env, {});
}
