// 'use': the sender declares the roles it gives our link (successor, finger), or turns ours down.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import type { ChordRing } from '../ring.js';
import { UseMsg } from '../schemas.js';

export function useHandler(ring: ChordRing, env: Envelope): void {
  const msg = check(UseMsg, env.body, 'use');
  if (!msg.ok) return void ring.stats.badBodies++;
  ring.roles.received(env.src, msg.value);
}
