// Proves the gateway's resource pool: it never holds more leases than the capacity, hands a given-back lease to the next waiting page in arrival order (at most MAX_HANDOVERS times before the owner gets it back), keeps one no page waits for LINGER_MS for the next submit, refuses, cancels and forgets lost leases as the owner would, and asks again, for a bounded time, when the ring could not decide.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../env/memory-clock.js';
import type { CoordLease } from '../services/coord/lease.js';
import type { DropinReason } from '../services/coord/dropin-wire.js';
import { LINGER_MS, MAX_HANDOVERS, ResourcePool, TRANSIENT_BACKOFF_MS, TRANSIENT_RETRY_MS, type Slot } from './dropin-pool.js';

/** A stand-in owner of one resource: grants while fewer than `capacity` leases are out, else queues up to waitMs. */
class Owner {
  out = 0;
  maxOut = 0;
  asks = 0;
  released = 0;
  private readonly queue: Array<{ grant(): void }> = [];

  constructor(readonly capacity: number, private readonly clock: ManualClock) {}

  ask(waitMs: number): Promise<CoordLease> {
    this.asks++;
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.out++;
        this.maxOut = Math.max(this.maxOut, this.out);
        resolve(this.lease());
      };
      if (this.out < this.capacity) return grant();
      if (waitMs === 0) return reject(new Error('full'));
      const entry = { grant };
      this.queue.push(entry);
      this.clock.setTimer(waitMs, () => {
        const i = this.queue.indexOf(entry);
        if (i < 0) return;
        this.queue.splice(i, 1);
        reject(new Error('wait-expired'));
      });
    });
  }

  private lease(): CoordLease {
    let valid = true;
    const lost: Array<() => void> = [];
    const lease = {
      isValid: () => valid,
      onLost: (fn: () => void) => void lost.push(fn),
      release: async () => {
        if (!valid) return;
        valid = false;
        this.out--;
        this.released++;
        this.queue.shift()?.grant();
      },
      lose: () => {
        valid = false;
        this.out--;
        for (const fn of lost) fn();
      },
    };
    return lease as unknown as CoordLease;
  }
}

const flush = () => new Promise<void>((r) => setImmediate(r));
const reasonOf = (e: unknown): DropinReason => (e instanceof Error && (e.message === 'full' || e.message === 'wait-expired') ? e.message : 'unavailable');

function setup(capacity: number) {
  const clock = new ManualClock(0);
  const owner = new Owner(capacity, clock);
  const pool = new ResourcePool(capacity, clock, (waitMs) => owner.ask(waitMs), reasonOf);
  return { clock, owner, pool };
}

describe('the drop-in gateway resource pool', () => {
  it('hands a released lease to the next page in arrival order, holding at most the capacity', async () => {
    const { clock, owner, pool } = setup(2);
    const pages = Array.from({ length: 6 }, () => pool.acquire(10_000));
    const got: Array<Slot | DropinReason | undefined> = pages.map(() => undefined);
    pages.forEach((p, i) => void p.result.then((r) => (got[i] = r)));
    await flush();
    expect(got.map((g) => typeof g === 'object')).toEqual([true, true, false, false, false, false]);
    expect(owner.asks).toBe(2);
    // The first page's answer arrived: its lease goes to page 3, not back to the owner.
    pool.release(got[0] as Slot);
    await flush();
    expect(got[2]).toBe(got[0]);
    expect((got[2] as Slot).uses).toBe(2);
    pool.release(got[1] as Slot);
    pool.release(got[2] as Slot);
    await flush();
    expect(typeof got[3] === 'object' && typeof got[4] === 'object' && got[5] === undefined).toBe(true);
    expect(owner.asks).toBe(2);
    expect(owner.maxOut).toBe(2);
    expect(owner.released).toBe(0);
    pool.release(got[3] as Slot);
    pool.release(got[4] as Slot);
    await flush();
    pool.release(got[5] as Slot);
    // Nobody waits: both leases are kept spare for a while, then given back to the owner.
    expect(owner.released).toBe(0);
    expect(pool.idle).toBe(false);
    clock.advance(LINGER_MS);
    expect(owner.released).toBe(2);
    expect(pool.idle).toBe(true);
  });

  it(`keeps a lease no page waits for ${LINGER_MS} ms: the next submit, queued or throttled, is granted without asking the owner`, async () => {
    const { clock, owner, pool } = setup(2);
    const a = (await pool.acquire(10_000).result) as Slot;
    pool.release(a);
    clock.advance(LINGER_MS - 1);
    const b = (await pool.acquire(0).result) as Slot;
    expect(b).toBe(a);
    expect(b.uses).toBe(2);
    expect(owner.asks).toBe(1);
    // A spare lease the owner has meanwhile lost is not handed out: the pool asks the owner anew.
    pool.release(b);
    (b.lease as unknown as { lose(): void }).lose();
    const c = (await pool.acquire(10_000).result) as Slot;
    expect(c).not.toBe(b);
    expect(owner.asks).toBe(2);
    expect(owner.maxOut).toBe(1);
    // The gateway stopping gives spare leases back at once.
    pool.release(c);
    pool.close();
    expect(owner.out).toBe(0);
    expect(pool.idle).toBe(true);
  });

  it(`gives a lease back to the owner after ${MAX_HANDOVERS} pages, and asks it again for the waiting ones`, async () => {
    const { owner, pool } = setup(1);
    let slot = (await pool.acquire(10_000).result) as Slot;
    for (let i = 1; i < MAX_HANDOVERS; i++) {
      const next = pool.acquire(10_000);
      pool.release(slot);
      const r = (await next.result) as Slot;
      expect(r).toBe(slot);
      slot = r;
    }
    expect(slot.uses).toBe(MAX_HANDOVERS);
    const next = pool.acquire(10_000);
    pool.release(slot);
    const fresh = (await next.result) as Slot;
    expect(fresh).not.toBe(slot);
    expect(fresh.uses).toBe(1);
    expect(owner.released).toBe(1);
    expect(owner.asks).toBe(2);
    expect(owner.maxOut).toBe(1);
  });

  it('refuses a throttled page at once when every slot is taken, and a queued one when its wait runs out', async () => {
    const { clock, pool } = setup(1);
    const held = (await pool.acquire(0).result) as Slot;
    expect(await pool.acquire(0).result).toBe('full');
    const queued = pool.acquire(5_000);
    clock.advance(5_000);
    expect(await queued.result).toBe('wait-expired');
    pool.release(held);
    clock.advance(LINGER_MS);
    expect(pool.idle).toBe(true);
  });

  it('a cancelled page gives up its place; a lease granted for it goes to the next page', async () => {
    const { clock, owner, pool } = setup(1);
    const first = (await pool.acquire(10_000).result) as Slot;
    const second = pool.acquire(10_000);
    const third = pool.acquire(10_000);
    second.cancel();
    expect(await second.result).toBe('cancelled');
    pool.release(first);
    expect(await third.result).toBe(first);
    pool.release(first);
    clock.advance(LINGER_MS);
    expect(owner.released).toBe(1);
  });

  it('a lost lease no longer counts: the pool asks the owner for the waiting page', async () => {
    const { owner, pool } = setup(1);
    const slot = (await pool.acquire(10_000).result) as Slot;
    const waiting = pool.acquire(10_000);
    (slot.lease as unknown as { lose(): void }).lose();
    pool.lost(slot);
    const r = (await waiting.result) as Slot;
    expect(r).not.toBe(slot);
    expect(owner.asks).toBe(2);
    // A page that releases the lost slot late changes nothing.
    pool.release(slot);
    expect(owner.out).toBe(1);
  });

  it('asks again when the ring could not decide (a timeout, a moving owner), even for a throttled page, until its retry time runs out', async () => {
    const { clock, owner } = setup(1);
    let failures = 2;
    const ask = (waitMs: number) => (failures-- > 0 ? Promise.reject(new Error('timeout')) : owner.ask(waitMs));
    const flaky = new ResourcePool(1, clock, ask, reasonOf);
    const throttled = flaky.acquire(0);
    let got: Slot | DropinReason | undefined;
    void throttled.result.then((r) => (got = r));
    for (let i = 0; i < 2; i++) {
      await flush();
      expect(got).toBeUndefined();
      clock.advance(TRANSIENT_BACKOFF_MS);
    }
    await flush();
    expect(typeof got).toBe('object');
    expect(owner.asks).toBe(1);
    // A ring that never decides: the page hears why once its retry time has run out.
    const never = new ResourcePool(1, clock, () => Promise.reject(new Error('timeout')), reasonOf);
    const stuck = never.acquire(0);
    let verdict: Slot | DropinReason | undefined;
    void stuck.result.then((r) => (verdict = r));
    for (let t = 0; t < TRANSIENT_RETRY_MS && verdict === undefined; t += TRANSIENT_BACKOFF_MS) {
      await flush();
      clock.advance(TRANSIENT_BACKOFF_MS);
    }
    await flush();
    expect(verdict).toBe('unavailable');
    expect(never.idle).toBe(true);
  });
});

