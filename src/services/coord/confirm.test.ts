// A predecessor confirms one successor at a time, and makes a new one wait out the old one's promise and leases.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { ManualClock } from '../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../sim/oracle-ring.js';
import { CONFIRM_MS, COORD_SVC, RPC_TIMEOUT_MS, TAKEOVER_MARGIN_MS } from './constants.js';
import { PredConfirm } from './confirm.js';
import { emptyCoordStats } from './stats.js';

const P = '1'.repeat(40) as PeerId;
/** Joins between P and S: P's new successor. */
const N = '18'.repeat(20) as PeerId;
const S = '2'.repeat(40) as PeerId;
const T = '3'.repeat(40) as PeerId;
const LEASE = 3000;

/** The predecessor's side: P on an oracle ring with S and T after it, answering confirms; others ask it. */
function predecessor(clock: ManualClock) {
  // No latency: a request and its reply are delivered within clock.advance(0).
  const net = new OracleNetwork(0, 0);
  const rings = new Map<PeerId, OracleRing>();
  const join = (p: PeerId): void => {
    const ring = new OracleRing(net, p, clock);
    net.add(ring);
    rings.set(p, ring);
  };
  [P, S, T].forEach(join);
  const pc = new PredConfirm(rings.get(P)!, clock, { leaseMs: LEASE, rpcTimeoutMs: RPC_TIMEOUT_MS }, emptyCoordStats());
  rings.get(P)!.onService(COORD_SVC, (env) => pc.onConfirm(env));
  const ask = async (from: PeerId, body: unknown = {}): Promise<unknown> => {
    const reply = rings.get(from)!.request({ peer: P }, COORD_SVC, 'confirm', body);
    clock.advance(0);
    return (await reply).body;
  };
  return { ask, join };
}

describe('PredConfirm, predecessor side', () => {
  it('confirms only its successor, and after a restart makes it wait out a promise it may have forgotten', async () => {
    const clock = new ManualClock(10_000);
    const p = predecessor(clock);
    expect(await p.ask(T)).toEqual({ type: 'refused' });
    expect(await p.ask(S)).toEqual({ type: 'confirmed', validMs: CONFIRM_MS, quietMs: CONFIRM_MS + LEASE + TAKEOVER_MARGIN_MS });
  });

  it('promises a new successor nothing while the old promise runs, then tells it how long to stay quiet', async () => {
    const clock = new ManualClock(0);
    const p = predecessor(clock);
    clock.advance(20_000);
    expect(await p.ask(S)).toMatchObject({ type: 'confirmed', quietMs: 0 });
    clock.advance(500);
    p.join(N);
    expect(await p.ask(N)).toEqual({ type: 'refused' });
    expect(await p.ask(S)).toEqual({ type: 'refused' });
    // S's promise (given at 20,000) ends at 20,000 + CONFIRM_MS; its leases may live a lease longer.
    clock.advance(CONFIRM_MS);
    expect(await p.ask(N)).toEqual({ type: 'confirmed', validMs: CONFIRM_MS, quietMs: 20_000 + CONFIRM_MS + LEASE + TAKEOVER_MARGIN_MS - clock.now() });
  });

  it('answers a malformed body with an error', async () => {
    const p = predecessor(new ManualClock(0));
    expect(await p.ask(S, { extra: 1 })).toMatchObject({ type: 'error' });
  });
});
