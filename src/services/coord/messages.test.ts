// Batch and multi-snapshot frames are checked with their count limits like every other body.
import { describe, expect, it } from 'vitest';
import { check } from '../../core/codec.js';
import type { PeerId } from '../../core/id.js';
import { MAX_BATCH_ITEMS, MAX_SNAPS_PER_FRAME } from './constants.js';
import { BatchBody, BatchReply, ReplicateManyBody, type Snapshot } from './messages.js';

const H = 'a'.repeat(40) as PeerId;
const canI = (reqId: number) => ({ op: 'can-i', body: { name: 'r', capacity: 2, waitMs: 0, reqId, seenToken: 0 } });
const release = { op: 'release', body: { name: 'r', token: 5 } };
const snap: Snapshot = { name: 'r', capacity: 2, owner: H, epoch: 1, version: 1, token: 1, blockedRemainingMs: 0, leases: [], waiters: [] };

describe('coord batch frames', () => {
  it('accepts CanIs and Releases up to the count limit, nothing else', () => {
    expect(check(BatchBody, { items: [canI(1), release] }, 'b').ok).toBe(true);
    expect(check(BatchBody, { items: Array.from({ length: MAX_BATCH_ITEMS }, (_, i) => canI(i)) }, 'b').ok).toBe(true);
    expect(check(BatchBody, { items: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => canI(i)) }, 'b').ok).toBe(false);
    expect(check(BatchBody, { items: [] }, 'b').ok).toBe(false);
    expect(check(BatchBody, { items: [{ op: 'renew', body: { name: 'r', token: 1 } }] }, 'b').ok).toBe(false);
    expect(check(BatchBody, { items: [{ ...canI(1), extra: 1 }] }, 'b').ok).toBe(false);
    expect(check(BatchBody, { items: [{ op: 'can-i', body: { ...canI(1).body, capacity: 0 } }] }, 'b').ok).toBe(false);
  });

  it('checks replies item by item', () => {
    expect(check(BatchReply, { type: 'batch', replies: [{ type: 'granted', reqId: 1, token: 3, validMs: 2900 }, { type: 'released' }] }, 'r').ok).toBe(true);
    expect(check(BatchReply, { type: 'batch', replies: [{ type: 'granted', reqId: 1, token: -3, validMs: 2900 }] }, 'r').ok).toBe(false);
  });

  it('bounds the snapshots in one replication frame', () => {
    const body = (n: number) => ({ snaps: Array.from({ length: n }, () => snap), pred: H, targets: [H] });
    expect(check(ReplicateManyBody, body(MAX_SNAPS_PER_FRAME), 'm').ok).toBe(true);
    expect(check(ReplicateManyBody, body(MAX_SNAPS_PER_FRAME + 1), 'm').ok).toBe(false);
    expect(check(ReplicateManyBody, body(0), 'm').ok).toBe(false);
  });
});
