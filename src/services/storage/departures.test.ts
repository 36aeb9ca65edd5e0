// Proves when a holder's departure is announced: at once when the ring says it failed, even while our link to it still looks up (a SIGKILLed volunteer's WebRTC link), and only once its link is down when it said it leaves or our range grew over it.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../core/envelope.js';
import { peerIdFromHex, type PeerId } from '../../core/id.js';
import { ManualClock } from '../../env/memory-clock.js';
import { Emitter } from '../../overlay/emitter.js';
import type { RingPort, RingPortEvents } from '../../overlay/port.js';
import { DEPARTURE_CHECK_MS, DEPARTURE_WATCH_MS } from './constants.js';
import { Departures } from './departures.js';

const hex = (n: number): PeerId => peerIdFromHex(n.toString(16).padStart(40, '0'));
const SELF = hex(0x5000);
const PRED = hex(0x4000);
const HOLDER = hex(0x3000);
const KEEPER_KEY = hex(0x9000);

/** A ring port whose links, predecessor and events the test sets; requests are recorded and answered. */
function fakeRing(): { ring: RingPort; events: Emitter<RingPortEvents>; linked: Set<PeerId>; sent: Array<{ op: string; body: unknown }>; pred: { p: PeerId | null } } {
  const events = new Emitter<RingPortEvents>();
  const linked = new Set<PeerId>();
  const sent: Array<{ op: string; body: unknown }> = [];
  const pred = { p: PRED as PeerId | null };
  const ring: RingPort = {
    self: SELF,
    owns: () => false,
    successors: () => [],
    predecessor: () => pred.p,
    isLinked: (p) => linked.has(p),
    links: () => [...linked],
    isAttachedPeer: () => false,
    request: (_target, _svc, op, body) => {
      sent.push({ op, body });
      return Promise.resolve({ src: KEEPER_KEY, body: { handled: 1 } } as unknown as Envelope);
    },
    reply: () => true,
    send: () => true,
    onService: () => () => undefined,
    events,
  };
  return { ring, events, linked, sent, pred };
}

function setup(): ReturnType<typeof fakeRing> & { clock: ManualClock; deps: Departures } {
  const f = fakeRing();
  const clock = new ManualClock();
  const deps = new Departures(f.ring, clock, 60_000, 3_000);
  deps.start();
  deps.summary(HOLDER, { keys: [KEEPER_KEY], reset: true });
  return { ...f, clock, deps };
}

async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await Promise.resolve();
  }
}

describe('departure notices', () => {
  it('go out a moment after the ring says a holder failed, though its link still looks up', async () => {
    const { events, linked, sent, clock, deps } = setup();
    linked.add(HOLDER);
    events.emit('peer-gone', { peer: HOLDER, failed: true });
    await advance(clock, DEPARTURE_CHECK_MS + 100);
    expect(sent).toEqual([{ op: 'gone', body: { peer: HOLDER, keys: [KEEPER_KEY] } }]);
    expect(deps.counters.departures).toBe(1);
  });

  it('wait for the link to close when the holder said it leaves, and go out then', async () => {
    const { events, linked, sent, clock } = setup();
    linked.add(HOLDER);
    events.emit('peer-gone', { peer: HOLDER, failed: false });
    await advance(clock, 5 * DEPARTURE_CHECK_MS);
    expect(sent).toEqual([]);
    linked.delete(HOLDER);
    await advance(clock, DEPARTURE_CHECK_MS + 100);
    expect(sent.map((s) => s.op)).toEqual(['gone']);
  });

  it('are never sent for a holder that left the ring by our range but stays linked, once the watch ends', async () => {
    const { events, linked, sent, clock, pred } = setup();
    linked.add(HOLDER);
    // A new predecessor before the holder: our range grew over it, yet it answers on its link.
    pred.p = hex(0x2000);
    events.emit('predecessor-changed', { from: PRED, to: pred.p });
    await advance(clock, DEPARTURE_WATCH_MS + 5 * DEPARTURE_CHECK_MS);
    expect(sent).toEqual([]);
    // Once the watch ended, a later failure verdict from the ring still counts.
    events.emit('peer-gone', { peer: HOLDER, failed: true });
    await advance(clock, DEPARTURE_CHECK_MS + 100);
    expect(sent.map((s) => s.op)).toEqual(['gone']);
  });
});
