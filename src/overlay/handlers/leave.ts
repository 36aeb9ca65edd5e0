// 'leave': a neighbour departs gracefully and names its predecessor and successors.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import type { ChordRing } from '../ring.js';
import { LeaveMsg } from '../schemas.js';

export function leaveHandler(ring: ChordRing, env: Envelope): void {
  const msg = check(LeaveMsg, env.body, 'leave');
  if (!msg.ok) return void ring.stats.badBodies++;
  ring.maintenance.peerLeft(env.src, msg.value);
}
