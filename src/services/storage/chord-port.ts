// Storage over the overlay's ChordRing: the ring already has the shape storage needs, so this
// adapter only narrows it (predecessor null → undefined, typed events → plain callbacks) and
// reads the mux's link table (linked) without changing the overlay.
import type { ChordRing } from '../../overlay/ring.js';
import type { RingPort } from './ring-port.js';

export function chordPort(ring: ChordRing): RingPort {
  return {
    self: ring.self,
    request: (target, svc, op, body, opts) => ring.request(target, svc, op, body, opts),
    reply: (env, body) => void ring.reply(env, body),
    send: (peer, svc, op, body) => ring.send(peer, svc, op, body),
    onService: (svc, handler) => void ring.onService(svc, handler),
    linked: (peer) => ring.mux.isLinked(peer),
    owns: (key) => ring.owns(key),
    successors: () => ring.successors(),
    predecessor: () => ring.predecessor() ?? undefined,
    on: (event, fn) => void ring.events.on(event, () => fn()),
  };
}
