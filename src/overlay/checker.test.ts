// Proves the ring checker accepts exactly the true ring and reports wrong pointers and gaps.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import { checkRing, type RingProbe } from './checker.js';

const id = (i: number) => (i * 1000).toString(16).padStart(40, '0') as PeerId;

function ring(ids: PeerId[], succ: (i: number) => PeerId, pred: (i: number) => PeerId | null): RingProbe[] {
  return ids.map((self, i) => ({ self, isJoined: () => true, successor: () => succ(i), predecessor: () => pred(i) }));
}

describe('checkRing', () => {
  const ids = [1, 2, 3, 4, 5].map(id);
  const n = ids.length;
  it('passes the true ring', () => {
    const r = checkRing(ring(ids, (i) => ids[(i + 1) % n]!, (i) => ids[(i - 1 + n) % n]!));
    expect(r.ok).toBe(true);
    expect(r.coverageError).toBe(0n);
  });
  it('reports a wrong successor and a predecessor that leaves a gap', () => {
    const r = checkRing(ring(ids, (i) => ids[(i + (i === 2 ? 2 : 1)) % n]!, (i) => (i === 3 ? null : ids[(i - 1 + n) % n]!)));
    expect(r.ok).toBe(false);
    expect(r.wrongSuccessors).toBe(1);
    expect(r.wrongPredecessors).toBe(1);
    expect(r.coverageError < 0n).toBe(true);
  });
  it('accepts a lone peer that is its own successor', () => {
    expect(checkRing(ring([id(7)], () => id(7), () => null)).ok).toBe(true);
  });
});
