// 'join': a joining peer is not routable yet, so its bootstrap looks up the joiner's successor
// on its behalf and answers over the link they share.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { idFromHex, type PeerId } from '../../core/id.js';
import type { ChordRing } from '../ring.js';
import { JoinReq } from '../schemas.js';

export function joinHandler(ring: ChordRing, env: Envelope): void {
  const req = check(JoinReq, env.body, 'join');
  if (!req.ok) return void ring.stats.badBodies++;
  // Not in place ourselves (joining too, or a ring of one still settling): say so, so the joiner
  // tries its next contact now instead of waiting out its attempts on us.
  if (!ring.isJoined()) return void ring.reply(env, { refused: 'not-in-place' });
  // A peer that has just joined may not have its own successor linked yet, so the lookup can
  // fail at once; it gets one more try a little later, then the joiner is told there is no route.
  const key = idFromHex(env.src);
  const exclude = req.value.relocate ? env.src : undefined;
  ring.maintenance.findSuccessor(key, true, undefined, (e, rep) => {
    if (!e) return void ring.reply(env, rep);
    ring.clock.setTimer(ring.config.stabilizeIntervalMs / 2, () => {
      if (!ring.isJoined()) return void ring.reply(env, { refused: 'not-in-place' });
      ring.maintenance.findSuccessor(key, true, undefined, (e2, rep2) => {
        ring.reply(env, e2 ? { refused: 'no-route' } : rep2);
      }, false, exclude);
    });
  }, false, exclude);
}
