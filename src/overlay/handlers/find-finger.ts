// 'find-finger': the first peer of a finger interval with room for one more link that the search
// meets, on its way to the interval's middle (findFingerInPassing) or as the owner of the key it
// was routed to, offers itself as the finger: it links to the searcher first and answers over
// that link (Fingers.offer). The owner without room passes the request to its successor, which
// tries the same, so the searcher gets a peer of the interval with room, or null when none is near.
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { inIntervalHex, type PeerId } from '../../core/id.js';
import { FINGER_WALK_MAX } from '../constants.js';
import type { ChordRing } from '../ring.js';
import { FindFingerReq } from '../schemas.js';

/**
 * A 'find-finger' routed through us on its way to the middle of the interval: if we lie in the
 * interval and have room, we are the finger (true: handled here, not forwarded). Without room, we
 * pass it to our successor if that one said at our last stabilize round that it had room (one
 * frame, where routing on toward the middle passes one full peer after another: the peers on many
 * routes are the ones many others hold as fingers); else it routes on (false).
 */
export function findFingerInPassing(ring: ChordRing, env: Envelope): boolean {
  const req = check(FindFingerReq, env.body, 'find-finger');
  if (!req.ok) return false; // the owner counts it as a bad body
  if (env.src === ring.self || !inIntervalHex(ring.self, req.value.start, req.value.end, true, false)) return false;
  if (take(ring, env)) return true;
  if (!walkTo(ring, env, req.value, ring.maintenance.stabilizer.successorRoom())) return false;
  ring.stats.fingerSearchesPassed++;
  return true;
}

export function findFingerHandler(ring: ChordRing, env: Envelope): void {
  const req = check(FindFingerReq, env.body, 'find-finger');
  if (!req.ok) return void ring.stats.badBodies++;
  // The owner of the start of an empty interval lies past its end: there is no such finger.
  if (env.src === ring.self || !inIntervalHex(ring.self, req.value.start, req.value.end, true, false)) return void ring.reply(env, { peer: null });
  if (take(ring, env)) return;
  if (!walkTo(ring, env, req.value, ring.state.succs[0])) ring.reply(env, { peer: null });
}

/** We lie in the interval: be the searcher's finger if we have room (true), else send nothing. */
function take(ring: ChordRing, env: Envelope): boolean {
  const src = env.src;
  if (ring.mux.isLinked(src)) ring.reply(env, { peer: ring.self });
  else if (ring.mux.hasRoom(src)) ring.maintenance.fingers.offer(env);
  else return false;
  return true;
}

/**
 * Pass the search one step along the interval to next (a successor of ours), counting the step:
 * at most FINGER_WALK_MAX of them, never to the searcher, never past the interval's end.
 */
function walkTo(ring: ChordRing, env: Envelope, req: FindFingerReq, next: PeerId | null | undefined): boolean {
  if (next === null || next === undefined || req.walk >= FINGER_WALK_MAX || next === env.src) return false;
  if (!inIntervalHex(next, req.start, req.end, true, false)) return false;
  return ring.relay(env, next, { ...req, walk: req.walk + 1 });
}
