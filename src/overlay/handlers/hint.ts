// 'hint': a peer may be our closer successor. From the candidate itself (a joiner that learned
// from our successor that we precede it) it is adopted at once, since the link proves who it is
// and the next stabilize round checks it against our successor; from our successor (it took a
// new predecessor) we verify it with a stabilize round first.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import type { ChordRing } from '../ring.js';
import { HintMsg } from '../schemas.js';

export function hintHandler(ring: ChordRing, env: Envelope): void {
  const msg = check(HintMsg, env.body, 'hint');
  if (!msg.ok) return void ring.stats.badBodies++;
  const candidate = msg.value.succ;
  if (env.src === candidate) ring.maintenance.stabilizer.successorClaim(candidate);
  else if (env.src === ring.successor()) ring.maintenance.stabilizer.hinted(candidate);
}
