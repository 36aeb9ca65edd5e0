// Proves storage's errors keep their codes across the wire and that the client acts on the code alone: a metadata call answered NOT_OWNER (whatever its message) is sent again, other codes end it at once.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import { ManualClock } from '../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../sim/oracle-ring.js';
import { StorageClient } from './client.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, STORAGE_SVC } from './constants.js';
import { NotOwnerError } from './errors.js';
import { errorBody, parseReply } from './rpc.js';

const OWNER = 'a'.repeat(40) as PeerId;

function reply(body: unknown): Envelope {
  return { v: 1, mid: 1, src: OWNER, dst: 'b'.repeat(40), to: 'peer', ring: 'asc', svc: 'storage', op: 'stat', hops: 0, ttl: 8, body } as Envelope;
}

/** A client's peer and an owner on the oracle ring; the owner answers each request with the next body of a script. */
function scriptedRing(clock: ManualClock, bodies: unknown[]): { ring: OracleRing; ops: string[] } {
  const net = new OracleNetwork(0, 0);
  const owner = new OracleRing(net, OWNER, clock);
  const ring = new OracleRing(net, 'b'.repeat(40) as PeerId, clock);
  net.add(owner);
  net.add(ring);
  const ops: string[] = [];
  owner.onService(STORAGE_SVC, (env) => {
    ops.push(env.op);
    owner.reply(env, bodies.shift());
  });
  return { ring, ops };
}

/** Run the client's call to its end, firing its back-off timers as they come due. */
async function settle<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => { done = true; });
  q.catch(() => undefined);
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.runAll();
  }
  return q;
}

describe('storage error codes', () => {
  it('rebuilds an error reply with its code, and unknown codes as INTERNAL', () => {
    const wire = errorBody(new NotOwnerError('/a'));
    expect(wire).toMatchObject({ ok: false, code: 'NOT_OWNER' });
    expect(() => parseReply('stat', reply(wire))).toThrow(expect.objectContaining({ code: 'NOT_OWNER' }));
    expect(() => parseReply('stat', reply({ ok: false, code: 'MADE_UP', message: 'x' }))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    // A peer cannot report a frame error about a frame it did not handle.
    expect(() => parseReply('stat', reply({ ok: false, code: 'FRAME_TOO_LARGE', message: 'x' }))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('retries a metadata call answered NOT_OWNER, by its code and not its text', async () => {
    const clock = new ManualClock();
    const { ring, ops } = scriptedRing(clock, [{ ok: false, code: 'NOT_OWNER', message: 'ring is moving' }, { ok: true }]);
    const client = new StorageClient(ring, clock, DEFAULT_REQUEST_TIMEOUT_MS);
    await expect(settle(clock, client.stat('/f'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(ops).toEqual(['stat', 'stat']);
  });

  it('does not retry a refusal whose message merely mentions an owner', async () => {
    const clock = new ManualClock();
    const { ring, ops } = scriptedRing(clock, [{ ok: false, code: 'REFUSED', message: 'not the owner of /f' }, { ok: true }]);
    const client = new StorageClient(ring, clock, DEFAULT_REQUEST_TIMEOUT_MS);
    await expect(settle(clock, client.stat('/f'))).rejects.toMatchObject({ code: 'REFUSED' });
    expect(ops).toEqual(['stat']);
  });
});
