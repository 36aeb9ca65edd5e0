// 'find-succ': we own the key this request was routed to, so we are its successor.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { MAX_FINGER_HINTS } from '../constants.js';
import type { ChordRing } from '../ring.js';
import { FindSuccReq, type FindSuccRep } from '../schemas.js';

export function findSuccHandler(ring: ChordRing, env: Envelope): void {
  const req = check(FindSuccReq, env.body, 'find-succ');
  if (!req.ok) return void ring.stats.badBodies++;
  const rep: FindSuccRep = { owner: ring.self, succs: ring.state.succs.slice(0, ring.config.successorListSize - 1), hops: env.hops };
  // A joiner asks for more: our predecessor (its own predecessor-to-be) and our fingers (near
  // right for it too, since it will sit just before us).
  if (req.value.fingers) {
    rep.pred = ring.state.pred;
    rep.fingers = [...ring.state.fingers.values()].slice(0, MAX_FINGER_HINTS);
  }
  ring.reply(env, rep);
}
