import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idToHex, inInterval, RING_SIZE, type Id, type PeerId } from '../core/id.js';
import { Contacts } from './contacts.js';

const arbId = fc.bigInt({ min: 0n, max: RING_SIZE - 1n }).map((n) => n as Id);
/** Ids that share their top bits with a base, so that the 52-bit tops tie and the exact comparison decides. */
const arbNear = (base: bigint) => fc.bigInt({ min: 0n, max: (1n << 120n) - 1n }).map((d) => ((base + d) % RING_SIZE) as Id);

/** The rule closestPreceding replaces: scan every contact, keep the last one in (best, key]. */
function naive(self: Id, contacts: Map<PeerId, Id>, key: Id, exclude: PeerId | null): PeerId | null {
  if (key === self) return null;
  let best: PeerId | null = null;
  let bestId = self;
  for (const [p, id] of contacts) {
    if (p === exclude) continue;
    if (inInterval(id, bestId, key, false, true)) {
      best = p;
      bestId = id;
      if (id === key) break; // none closer; (key, key] would be the whole ring
    }
  }
  return best;
}

/** The contact in [key, self) nearest the key, by a scan of all of them. */
function naiveFollowing(self: Id, contacts: Map<PeerId, Id>, key: Id, exclude: PeerId | null): PeerId | null {
  if (key === self) return null;
  let best: PeerId | null = null;
  let bestId = self;
  for (const [p, id] of contacts) {
    if (p === exclude || !inInterval(id, key, self, true, false)) continue;
    if (best === null || inInterval(id, key, bestId, true, false)) {
      best = p;
      bestId = id;
      if (id === key) break; // none closer; [key, key) would be the whole ring
    }
  }
  return best;
}

describe('Contacts', () => {
  it('finds the same closest preceding and following contacts as a scan of all of them, after adds and removals', () => {
    const scenario = (self: Id, ids: Id[], removeEvery: number, keys: Id[], excludeIdx: number) => {
      const c = new Contacts(self);
      const m = new Map<PeerId, Id>();
      for (const id of ids) {
        if (id === self) continue;
        const p = idToHex(id) as PeerId;
        c.set(p, id);
        m.set(p, id);
      }
      let i = 0;
      for (const p of [...m.keys()]) if (i++ % removeEvery === 0) {
        expect(c.delete(p)).toBe(true);
        m.delete(p);
      }
      expect(c.size).toBe(m.size);
      const peers = [...m.keys()];
      const exclude = peers.length > 0 ? peers[excludeIdx % peers.length]! : null;
      for (const key of [...keys, ...m.values(), self]) {
        expect(c.closestPreceding(key, null)).toBe(naive(self, m, key, null));
        expect(c.closestPreceding(key, exclude)).toBe(naive(self, m, key, exclude));
        expect(c.closestFollowing(key, null)).toBe(naiveFollowing(self, m, key, null));
        expect(c.closestFollowing(key, exclude)).toBe(naiveFollowing(self, m, key, exclude));
      }
    };
    fc.assert(fc.property(arbId, fc.array(arbId, { maxLength: 40 }), fc.integer({ min: 2, max: 5 }), fc.array(arbId, { maxLength: 20 }), fc.nat(), scenario), { numRuns: 300 });
    // Contacts and keys within 2^120 of each other: their tops are equal or adjacent.
    const base = 0xabcdefn << 130n;
    fc.assert(fc.property(arbNear(base), fc.array(arbNear(base), { maxLength: 40 }), fc.integer({ min: 2, max: 5 }), fc.array(arbNear(base), { maxLength: 20 }), fc.nat(), scenario), { numRuns: 300 });
  });

  it('keeps one entry per peer and reports removals honestly', () => {
    const c = new Contacts(0n as Id);
    const p = idToHex(5n) as PeerId;
    c.set(p, 5n as Id);
    c.set(p, 5n as Id);
    expect(c.size).toBe(1);
    expect([...c]).toEqual([[p, 5n]]);
    expect(c.delete(p)).toBe(true);
    expect(c.delete(p)).toBe(false);
    expect(c.closestPreceding(9n as Id, null)).toBeNull();
  });
});
