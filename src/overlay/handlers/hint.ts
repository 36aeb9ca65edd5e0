// 'hint': our successor took a new predecessor, which may be our new successor; we verify it
// with a stabilize round instead of trusting the hint.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import type { ChordRing } from '../ring.js';
import { HintMsg } from '../schemas.js';

export function hintHandler(ring: ChordRing, env: Envelope): void {
  const msg = check(HintMsg, env.body, 'hint');
  if (!msg.ok) return void ring.stats.badBodies++;
  if (env.src !== ring.successor()) return;
  ring.maintenance.hinted(msg.value.succ as PeerId);
}
