// A replica holder accepts newer copies of one lineage and refuses copies that would forget leases.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import type { Snapshot } from './messages.js';
import { ReplicaStore } from './replicas.js';

const A = 'a'.repeat(40) as PeerId;
const B = 'b'.repeat(40) as PeerId;
const H = 'c'.repeat(40) as PeerId;
const snap = (owner: PeerId, epoch: number, version: number, token: number, leases: number[]): Snapshot => ({
  name: 'r',
  capacity: 3,
  owner,
  epoch,
  version,
  token,
  blockedRemainingMs: 0,
  leases: leases.map((t) => ({ token: t, holder: H, reqId: t, remainingMs: 2000 })),
  waiters: [],
});

describe('ReplicaStore', () => {
  it('keeps the newest version of one owner and epoch', () => {
    const s = new ReplicaStore();
    expect(s.offer(snap(A, 1, 5, 10, [10]), A, 0).kind).toBe('ack');
    expect(s.offer(snap(A, 1, 4, 9, [9]), A, 0).kind).toBe('ack');
    expect(s.get('r', 0)!.version).toBe(5);
    expect(s.offer(snap(A, 1, 6, 10, []), A, 0).kind).toBe('ack');
    expect(s.get('r', 0)!.leases).toEqual([]);
  });

  it('refuses a copy of another lineage that misses a live lease or has an older token', () => {
    const s = new ReplicaStore();
    s.offer(snap(A, 1, 5, 10, [10]), A, 0);
    const missing = s.offer(snap(B, 0, 1, 2_000_000, []), B, 0);
    expect(missing.kind).toBe('conflict');
    expect(s.offer(snap(B, 0, 1, 5, [10]), B, 0).kind).toBe('conflict');
    expect(s.offer(snap(B, 2, 1, 1_000_010, [10]), B, 0).kind).toBe('ack');
  });

  it('counts remaining times down and forgets expired leases in the conflict rule', () => {
    const s = new ReplicaStore();
    s.offer(snap(A, 1, 5, 10, [10]), A, 0);
    expect(s.get('r', 1000)!.leases[0]!.remainingMs).toBeGreaterThanOrEqual(1000);
    expect(s.offer(snap(B, 0, 1, 2_000_000, []), B, 5000).kind).toBe('ack');
  });

  it('judges coverage by lease identity: the same token held by another request does not cover it', () => {
    const s = new ReplicaStore();
    s.offer(snap(A, 1, 5, 10, [10]), A, 0);
    const other = snap(B, 0, 1, 2_000_000, []);
    other.leases = [{ token: 10, holder: B, reqId: 99, remainingMs: 2000 }];
    expect(s.offer(other, B, 0).kind).toBe('conflict');
    other.leases.push({ token: 10, holder: H, reqId: 10, remainingMs: 2000 });
    expect(s.offer(other, B, 0).kind).toBe('ack');
  });
});
