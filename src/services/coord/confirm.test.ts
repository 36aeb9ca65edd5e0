// A predecessor confirms one successor at a time, and makes a new one wait out the old one's promise and leases.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import { ManualClock } from '../../env/memory-clock.js';
import { CONFIRM_MS, RPC_TIMEOUT_MS, TAKEOVER_MARGIN_MS } from './constants.js';
import { PredConfirm } from './confirm.js';
import type { CoordRing } from './ring-port.js';
import { emptyCoordStats } from './stats.js';

const P = '1'.repeat(40) as PeerId;
const S = '2'.repeat(40) as PeerId;
const T = '3'.repeat(40) as PeerId;
const LEASE = 3000;

/** The predecessor's side only: a ring whose successor we set, and whose replies we record. */
function predecessor(clock: ManualClock) {
  const replies: unknown[] = [];
  let succ = S;
  const ring = {
    self: P,
    successors: () => [succ],
    reply: (_to: Envelope, body: unknown) => replies.push(body) > 0,
  } as unknown as CoordRing;
  const pc = new PredConfirm(ring, clock, { leaseMs: LEASE, rpcTimeoutMs: RPC_TIMEOUT_MS }, emptyCoordStats());
  const ask = (from: PeerId, body: unknown = {}): unknown => {
    pc.onConfirm({ src: from, body } as unknown as Envelope);
    return replies.at(-1);
  };
  return { ask, setSucc: (p: PeerId) => (succ = p) };
}

describe('PredConfirm, predecessor side', () => {
  it('confirms only its successor, and after a restart makes it wait out a promise it may have forgotten', () => {
    const clock = new ManualClock(10_000);
    const p = predecessor(clock);
    expect(p.ask(T)).toEqual({ type: 'refused' });
    expect(p.ask(S)).toEqual({ type: 'confirmed', validMs: CONFIRM_MS, quietMs: CONFIRM_MS + LEASE + TAKEOVER_MARGIN_MS });
  });

  it('promises a new successor nothing while the old promise runs, then tells it how long to stay quiet', () => {
    const clock = new ManualClock(0);
    const p = predecessor(clock);
    clock.advance(20_000);
    expect(p.ask(S)).toMatchObject({ type: 'confirmed', quietMs: 0 });
    clock.advance(500);
    p.setSucc(T);
    expect(p.ask(T)).toEqual({ type: 'refused' });
    expect(p.ask(S)).toEqual({ type: 'refused' });
    // S's promise (given at 20,000) ends at 20,000 + CONFIRM_MS; its leases may live a lease longer.
    clock.advance(CONFIRM_MS);
    expect(p.ask(T)).toEqual({ type: 'confirmed', validMs: CONFIRM_MS, quietMs: 20_000 + CONFIRM_MS + LEASE + TAKEOVER_MARGIN_MS - clock.now() });
  });

  it('answers a malformed body with an error', () => {
    const p = predecessor(new ManualClock(0));
    expect(p.ask(S, { extra: 1 })).toMatchObject({ type: 'error' });
  });
});
