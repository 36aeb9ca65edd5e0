// 'find-finger': the first peer of a finger interval with room for one more link that the search
// meets, on its way to the interval's middle (findFingerInPassing) or as the owner of the key it
// was routed to, offers itself as the finger: it links to the searcher first and answers over
// that link (Fingers.offer). The owner without room passes the request to its successor, which
// tries the same, so the searcher gets a peer of the interval with room, or null when none is near.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { idFromHex, inInterval, inIntervalHex, type PeerId } from '../../core/id.js';
import { FINGER_WALK_MAX } from '../constants.js';
import type { ChordRing } from '../ring.js';
import { FindFingerReq } from '../schemas.js';

/**
 * A 'find-finger' routed through us on its way to the middle of the interval: if we lie in the
 * interval and have room, we are the finger (true: handled here, not forwarded). A peer the
 * request reaches before the interval, or one without room, passes it on.
 */
export function findFingerInPassing(ring: ChordRing, env: Envelope): boolean {
  const req = check(FindFingerReq, env.body, 'find-finger');
  if (!req.ok) return false; // the owner counts it as a bad body
  const src = env.src as PeerId;
  if (src === ring.self || !inIntervalHex(ring.self, req.value.start, req.value.end, true, false)) return false;
  if (ring.mux.isLinked(src)) ring.reply(env, { peer: ring.self });
  else if (ring.mux.hasRoom(src)) ring.maintenance.fingers.offer(env);
  else return passToSuccessor(ring, env, req.value);
  return true;
}

/**
 * We lie in the interval and have no room: if our successor said it had room at our last
 * stabilize round and lies in the interval too, pass the search to it (one frame, where routing
 * on toward the interval's middle passes one full peer after another: the peers on many routes
 * are the ones many others hold as fingers). False: route on.
 */
function passToSuccessor(ring: ChordRing, env: Envelope, req: FindFingerReq): boolean {
  if (req.walk >= FINGER_WALK_MAX) return false;
  const next = ring.maintenance.stabilizer.successorRoom();
  if (next === null || next === env.src || !inIntervalHex(next, req.start, req.end, true, false)) return false;
  if (!ring.relay(env, next, { ...req, walk: req.walk + 1 })) return false;
  ring.stats.fingerSearchesPassed++;
  return true;
}

export function findFingerHandler(ring: ChordRing, env: Envelope): void {
  const req = check(FindFingerReq, env.body, 'find-finger');
  if (!req.ok) return void ring.stats.badBodies++;
  const s = ring.state;
  const src = env.src as PeerId;
  const start = idFromHex(req.value.start);
  const end = idFromHex(req.value.end);
  // The owner of the start of an empty interval lies past its end: there is no such finger.
  if (src === ring.self || !inInterval(s.selfId, start, end, true, false)) return void ring.reply(env, { peer: null });
  if (ring.mux.isLinked(src)) return void ring.reply(env, { peer: ring.self });
  if (ring.mux.hasRoom(src)) return ring.maintenance.fingers.offer(env);
  const next = s.succs[0];
  const walkOn = req.value.walk < FINGER_WALK_MAX && next !== undefined && next !== src && inInterval(s.id(next), start, end, true, false);
  if (!walkOn || !ring.relay(env, next, { ...req.value, walk: req.value.walk + 1 })) ring.reply(env, { peer: null });
}
