// Proves the ring checker accepts exactly the true ring and reports wrong pointers and gaps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distance, idFromHex, RING_SIZE, type PeerId } from '../core/id.js';
import { checkRing, firstWrong, type RingProbe } from './checker.js';

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
  it('reports how far the owned ranges are from covering the ring once, as their plain sum says', () => {
    // The checker sums only the peers whose predecessor is wrong; the reference adds up every range.
    const owned = (pred: PeerId | null, self: PeerId) =>
      pred === null ? 0n : pred === self ? RING_SIZE : distance(idFromHex(pred), idFromHex(self));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 2, maxLength: 30 }),
        fc.array(fc.integer({ min: -2, max: 40 })),
        (nums, picks) => {
          const ids = [...nums].sort((a, b) => a - b).map(id);
          // A pick per peer: -2 no predecessor, -1 itself, >= length the true one, else that peer.
          const pred = (i: number): PeerId | null => {
            const k = picks[i] ?? ids.length;
            if (k === -2) return null;
            if (k === -1) return ids[i]!;
            return k >= ids.length ? ids[(i - 1 + ids.length) % ids.length]! : ids[k]!;
          };
          const r = checkRing(ring(ids, (i) => ids[(i + 1) % ids.length]!, pred));
          const sum = ids.reduce((acc, self, i) => acc + owned(pred(i), self), 0n);
          expect(r.coverageError).toBe(sum - RING_SIZE);
          expect(r.ok).toBe(sum === RING_SIZE && r.wrongPredecessors === 0);
        },
      ),
    );
  });
  it('firstWrong fails fast where checkRing fails, from any start, and names a wrong peer', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: -1, max: 25 })),
        fc.array(fc.boolean()),
        fc.integer({ min: -1, max: 25 }),
        (nums, picks, out, from) => {
          const ids = [...nums].sort((a, b) => a - b).map(id);
          const n = ids.length;
          // A pick per peer names its successor: -1 none of ours (a stranger), >= n the true one.
          const succ = (i: number): PeerId => {
            const k = picks[i] ?? n;
            return k === -1 ? id(2 ** 41) : k >= n ? ids[(i + 1) % n]! : ids[k]!;
          };
          const rings = ids.map((self, i) => ({ self, isJoined: () => out[i] !== true, successor: () => succ(i), predecessor: () => ids[(i - 1 + n) % n]! }));
          const w = firstWrong(rings, from);
          expect(w < 0).toBe(checkRing(rings).ok && out.slice(0, n).every((o) => o !== true));
          // Predecessors are all true here: the peer named is out of place or has a wrong successor.
          if (w >= 0) expect(out[w] === true || succ(w) !== ids[(w + 1) % n]).toBe(true);
        },
      ),
    );
  });
});
