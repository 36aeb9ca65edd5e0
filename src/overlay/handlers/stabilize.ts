// 'stabilize': answer with our predecessor and successor list; with notify, consider the sender
// as our predecessor first, so the answer already reflects it.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import type { ChordRing } from '../ring.js';
import { StabilizeReq, type StabilizeRep } from '../schemas.js';

export function stabilizeHandler(ring: ChordRing, env: Envelope): void {
  const req = check(StabilizeReq, env.body, 'stabilize');
  if (!req.ok) return void ring.stats.badBodies++;
  if (req.value.notify) ring.maintenance.stabilizer.notified(env.src, req.value.every);
  const s = ring.state;
  // Most rounds change nothing: the list goes out only when the asker's copy is out of date.
  const rep: StabilizeRep = { pred: s.pred, v: s.succsVersion };
  if (req.value.v !== s.succsVersion) rep.succs = s.succs.slice(0, ring.config.successorListSize - 1);
  // Whether we have room for a finger link: our predecessor passes a finger search on to us when
  // it has none itself (findFingerInPassing).
  if (ring.mux.hasRoom(env.src)) rep.room = true;
  ring.reply(env, rep);
}
