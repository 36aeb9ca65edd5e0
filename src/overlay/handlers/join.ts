// 'join': a joining peer is not routable yet, so its bootstrap looks up the joiner's successor
// on its behalf and answers over the link they share.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { idFromHex } from '../../core/id.js';
import type { ChordRing } from '../ring.js';
import { JoinReq } from '../schemas.js';

export function joinHandler(ring: ChordRing, env: Envelope): void {
  const req = check(JoinReq, env.body, 'join');
  if (!req.ok) return void ring.stats.badBodies++;
  if (!ring.isJoined()) return;
  // On failure the joiner times out and tries again.
  ring.maintenance.findSuccessor(idFromHex(env.src), true, undefined, (e, rep) => {
    if (!e) ring.reply(env, rep);
  });
}
