// The owner's per-resource state machine: capacity, FIFO queue, wait limits, renew, fencing tokens, adoption.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { MAX_QUEUE, TOKEN_STEP } from './constants.js';
import { ResourceState, stretch } from './resource.js';

const A = 'a'.repeat(40) as PeerId;
const B = 'b'.repeat(40) as PeerId;
const C = 'c'.repeat(40) as PeerId;
const O = 'f'.repeat(40) as PeerId;
const L = 3000;
const fresh = (capacity = 2, blockedUntilMs = 0): ResourceState => new ResourceState({ name: 'r', capacity, owner: O, epoch: 0, token: 0, blockedUntilMs });

describe('ResourceState', () => {
  it('grants up to capacity with increasing tokens, then queues FIFO', () => {
    const r = fresh(2);
    const d1 = r.request({ reqId: 1, holder: A, waitMs: 1000 }, 0, 0, L);
    const d2 = r.request({ reqId: 1, holder: B, waitMs: 1000 }, 1, 1, L);
    const d3 = r.request({ reqId: 1, holder: C, waitMs: 1000 }, 2, 2, L);
    expect(d1.kind).toBe('grant');
    expect(d2.kind).toBe('grant');
    if (d1.kind !== 'grant' || d2.kind !== 'grant') return;
    expect(d2.lease.token).toBeGreaterThan(d1.lease.token);
    expect(d3).toEqual({ kind: 'queued', position: 0 });
    expect(r.release(d1.lease.token, A)).toBe(true);
    const promos = r.promote(500, L);
    expect(promos.map((p) => p.waiter.holder)).toEqual([C]);
    // Valid from when C's request was received (2), so the holder's own count never outlives ours.
    expect(promos[0]!.validMs).toBe(500 + L - 2);
    expect(promos[0]!.lease.token).toBeGreaterThan(d2.lease.token);
  });

  it('refuses at once when full and the solicitor will not wait (throttle)', () => {
    const r = fresh(1);
    r.request({ reqId: 1, holder: A, waitMs: 0 }, 0, 0, L);
    expect(r.request({ reqId: 2, holder: B, waitMs: 0 }, 0, 0, L)).toEqual({ kind: 'refuse', reason: 'full' });
  });

  it('a retry of a granted request gets the same lease, valid from the retry receipt', () => {
    const r = fresh(1);
    const d = r.request({ reqId: 7, holder: A, waitMs: 0 }, 0, 0, L);
    const again = r.request({ reqId: 7, holder: A, waitMs: 0 }, 100, 100, L);
    expect(again.kind).toBe('grant');
    if (d.kind === 'grant' && again.kind === 'grant') {
      expect(again.lease.token).toBe(d.lease.token);
      expect(again.validMs).toBe(L - 100);
    }
  });

  it('does not hand a retry its lease while absorbed leases leave the state over capacity', () => {
    const r = fresh(1);
    const d = r.request({ reqId: 7, holder: A, waitMs: 0 }, 0, 0, L);
    const other = fresh(1);
    other.token = 50;
    other.request({ reqId: 1, holder: B, waitMs: 0 }, 0, 0, L);
    r.absorb(other.snapshot(0), 0);
    expect(d.kind).toBe('grant');
    expect(r.request({ reqId: 7, holder: A, waitMs: 0 }, 10, 10, L)).toEqual({ kind: 'refuse', reason: 'unavailable' });
    // Both leases stay counted until they end.
    expect(r.leases.size).toBe(2);
  });

  it('expires leases and waiters on time and bounds the queue', () => {
    const r = fresh(1);
    r.request({ reqId: 1, holder: A, waitMs: 0 }, 0, 0, L);
    r.request({ reqId: 2, holder: B, waitMs: 100 }, 0, 0, L);
    const gone = r.expire(100);
    expect(gone.waiters.map((w) => w.holder)).toEqual([B]);
    expect(r.expire(L).leases.length).toBe(1);
    const full = fresh(1);
    full.request({ reqId: 0, holder: A, waitMs: 0 }, 0, 0, L);
    for (let i = 1; i <= MAX_QUEUE; i++) full.request({ reqId: i, holder: B, waitMs: 10_000 }, 0, 0, L);
    expect(full.request({ reqId: MAX_QUEUE + 1, holder: C, waitMs: 10_000 }, 0, 0, L)).toEqual({ kind: 'refuse', reason: 'full' });
  });

  it('renews only live leases of their holder', () => {
    const r = fresh(1);
    const d = r.request({ reqId: 1, holder: A, waitMs: 0 }, 0, 0, L);
    if (d.kind !== 'grant') throw new Error('expected a grant');
    expect(r.renew(d.lease.token, B, 1000, 1000, L)).toBeUndefined();
    expect(r.renew(d.lease.token, A, 1000, 1000, L)).toBe(L);
    expect(r.renew(d.lease.token, A, 1000 + L, 1000 + L, L)).toBeUndefined();
  });

  it('grants nothing new while blocked after a takeover, but queues', () => {
    const r = fresh(3, 4000);
    expect(r.request({ reqId: 1, holder: A, waitMs: 5000 }, 0, 0, L).kind).toBe('queued');
    expect(r.request({ reqId: 2, holder: B, waitMs: 0 }, 0, 0, L)).toEqual({ kind: 'refuse', reason: 'unavailable' });
    expect(r.promote(3999, L)).toEqual([]);
    expect(r.promote(4000, L).length).toBe(1);
  });

  it('adoption keeps leases (stretched), moves tokens past the old owner and counts them against capacity', () => {
    const old = fresh(1);
    const d = old.request({ reqId: 1, holder: A, waitMs: 0 }, 0, 0, L);
    if (d.kind !== 'grant') throw new Error('expected a grant');
    const snap = old.snapshot(1000);
    const next = ResourceState.adopt(snap, B, 77, 50_000, 0);
    expect(next.token).toBe(d.lease.token + TOKEN_STEP);
    expect(next.epoch).toBe(77);
    expect(next.leases.get(d.lease.token)!.expiresAtMs).toBe(50_000 + stretch(L - 1000));
    expect(next.request({ reqId: 9, holder: C, waitMs: 0 }, 50_001, 50_001, L)).toEqual({ kind: 'refuse', reason: 'full' });
    const end = 50_000 + stretch(L - 1000);
    next.expire(end);
    const g = next.request({ reqId: 9, holder: C, waitMs: 0 }, end, end, L);
    expect(g.kind === 'grant' && g.lease.token > d.lease.token).toBe(true);
  });

  it('absorbing a copy never forgets a lease (union) and moves tokens past both', () => {
    const a = fresh(3);
    a.request({ reqId: 1, holder: A, waitMs: 0 }, 0, 0, L);
    const b = fresh(3);
    b.token = 50;
    b.request({ reqId: 1, holder: B, waitMs: 0 }, 0, 0, L);
    a.absorb(b.snapshot(0), 0);
    expect(a.leases.size).toBe(2);
    expect(a.token).toBeGreaterThan(51);
  });

  it('a lease of another lineage with one of our tokens is counted too, and ours is never told (throttle seed 108)', () => {
    // A stale owner learned token 19 from a solicitor and issued 20 to A; the real owner had issued
    // 20 to B. Absorbing the real owner's copy must keep both counted and mark ours.
    const stale = fresh(2);
    stale.learnToken(19);
    const mine = stale.request({ reqId: 1, holder: A, waitMs: 0 }, 0, 0, L);
    const real = fresh(2);
    real.token = 19;
    real.request({ reqId: 7, holder: B, waitMs: 0 }, 0, 0, L);
    expect(mine.kind === 'grant' && mine.lease.token).toBe(20);
    stale.absorb(real.snapshot(0), 0);
    expect(stale.leases.size).toBe(2);
    expect(mine.kind === 'grant' && mine.lease.clash).toBe(true);
    expect(stale.snapshot(0).leases.map((l) => [l.token, l.holder])).toEqual([[20, A], [20, B]]);
    // Absorbing the same copy again counts it once; a retry of ours is refused, not told.
    stale.absorb(real.snapshot(0), 0);
    expect(stale.leases.size).toBe(2);
    expect(stale.request({ reqId: 1, holder: A, waitMs: 0 }, 1, 1, L)).toEqual({ kind: 'refuse', reason: 'unavailable' });
    // Both leave on expiry, including the one kept under a clash key.
    stale.expire(stretch(L) + 10);
    expect(stale.leases.size).toBe(0);
    expect(stale.nextDeadlineMs(stretch(L) + 10)).toBeUndefined();
  });
});
