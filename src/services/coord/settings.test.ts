// Proves coordination's settings are checked once when the service is built, and that a configured request timeout is the one its requests carry.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import { ManualClock } from '../../env/memory-clock.js';
import { seededRng } from '../../env/rng.js';
import { LEASE_MS, MAX_REPL_SUCCESSORS, REPL_SUCCESSORS, RPC_TIMEOUT_MS } from './constants.js';
import type { CoordRing } from './ring-port.js';
import { CoordService, coordSettings } from './service.js';

/** A lone peer's ring that records the timeout of every request and never answers. */
function recordingRing(): { ring: CoordRing; timeouts: Array<number | undefined> } {
  const timeouts: Array<number | undefined> = [];
  const ring = {
    self: '1'.repeat(40) as PeerId,
    owns: () => false,
    successors: () => [],
    predecessor: () => null,
    request: (_t: unknown, _svc: string, _op: string, _body: unknown, opts?: { timeoutMs?: number }) => {
      timeouts.push(opts?.timeoutMs);
      return new Promise<Envelope>(() => undefined);
    },
    send: () => true,
    reply: () => true,
    onService: () => () => undefined,
    events: { on: () => () => undefined },
  } as unknown as CoordRing;
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
    const { ring, timeouts } = recordingRing();
    const coord = new CoordService({ ring, clock: new ManualClock(), rng: seededRng(1), rpcTimeoutMs: 250 });
    coord.start();
    void coord.semaphore('printer', { capacity: 1 }).acquire().catch(() => undefined);
    expect(timeouts).toEqual([250]);
  });
});
