// Proves the peer sample's bookkeeping: ageing, taking the oldest, bounded sampling, and Cyclon's
// merge (no self, no duplicates, fill then replace only what was sent, never above capacity).
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import { seededRng } from '../env/rng.js';
import { PeerView } from './view.js';

const id = (n: number): PeerId => n.toString(16).padStart(40, '0') as PeerId;

describe('PeerView', () => {
  it('ages entries and hands out the oldest first', () => {
    const v = new PeerView(id(0), 4);
    v.seed([id(1), id(2)]);
    v.age();
    v.seed([id(3)]);
    expect(v.takeOldest()?.age).toBe(1);
    expect(v.size).toBe(2);
    expect(v.has(id(3))).toBe(true);
  });

  it('never holds itself, duplicates or more than its capacity', () => {
    const v = new PeerView(id(0), 3);
    v.seed([id(0), id(1), id(1), id(2), id(3), id(4)]);
    expect(v.peers()).toEqual([id(1), id(2), id(3)]);
    v.merge([{ peer: id(0), age: 0 }, { peer: id(1), age: 0 }, { peer: id(9), age: 2 }], []);
    expect(v.peers()).toEqual([id(1), id(2), id(3)]);
    expect(v.list()[0]!.age).toBe(0);
  });

  it('replaces only the entries it sent when full', () => {
    const v = new PeerView(id(0), 3);
    v.seed([id(1), id(2), id(3)]);
    v.merge([{ peer: id(7), age: 1 }, { peer: id(8), age: 1 }], [{ peer: id(2), age: 0 }]);
    expect(v.peers().sort()).toEqual([id(1), id(3), id(7)].sort());
  });

  it('samples distinct entries, leaving one peer out', () => {
    const v = new PeerView(id(0), 10);
    v.seed([1, 2, 3, 4, 5, 6].map(id));
    const s = v.sample(seededRng(1), 4, id(3));
    expect(new Set(s.map((e) => e.peer)).size).toBe(4);
    expect(s.some((e) => e.peer === id(3))).toBe(false);
    expect(v.sample(seededRng(2), 20)).toHaveLength(6);
  });
});
