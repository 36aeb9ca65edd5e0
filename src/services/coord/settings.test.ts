// Proves coordination's settings are checked once when the service is built, and that a configured request timeout is the one its requests carry.
import { describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { ManualClock } from '../../env/memory-clock.js';
import { seededRng } from '../../env/rng.js';
import { OracleNetwork, OracleRing } from '../../sim/oracle-ring.js';
import { LEASE_MS, MAX_REPL_SUCCESSORS, REPL_SUCCESSORS, RPC_TIMEOUT_MS } from './constants.js';
import { CoordService, coordSettings } from './service.js';

/** A peer on the oracle ring beside a resource's owner, recording the timeout of every request it makes. */
function recordingRing(clock: ManualClock): { ring: OracleRing; timeouts: Array<number | undefined> } {
  const net = new OracleNetwork(0, 0);
  const ring = new OracleRing(net, '1'.repeat(40) as PeerId, clock);
  net.add(ring);
  net.add(new OracleRing(net, '2'.repeat(40) as PeerId, clock));
  const timeouts: Array<number | undefined> = [];
  const request = ring.request.bind(ring);
  vi.spyOn(ring, 'request').mockImplementation((target, svc, op, body, opts) => {
    timeouts.push(opts?.timeoutMs);
    return request(target, svc, op, body, opts);
  });
  return { ring, timeouts };
}

describe('coord settings', () => {
  it('fills defaults and refuses values out of range, naming the setting', () => {
    const defaults = { replSuccessors: REPL_SUCCESSORS, leaseMs: LEASE_MS, rpcTimeoutMs: RPC_TIMEOUT_MS };
    expect(coordSettings({})).toEqual(defaults);
    expect(coordSettings({ rpcTimeoutMs: 250 })).toEqual({ ...defaults, rpcTimeoutMs: 250 });
    expect(() => coordSettings({ rpcTimeoutMs: 0 })).toThrow(/rpcTimeoutMs/);
    expect(() => coordSettings({ leaseMs: 1.5 })).toThrow(/leaseMs/);
    expect(() => coordSettings({ replSuccessors: MAX_REPL_SUCCESSORS + 1 })).toThrow(/replSuccessors/);
  });

  it('sends its requests with the configured timeout', () => {
    const clock = new ManualClock();
    const { ring, timeouts } = recordingRing(clock);
    const coord = new CoordService({ ring, clock, rng: seededRng(1), rpcTimeoutMs: 250 });
    coord.start();
    void coord.semaphore('printer', { capacity: 1 }).acquire().catch(() => undefined);
    expect(timeouts).toEqual([250]);
  });
});
