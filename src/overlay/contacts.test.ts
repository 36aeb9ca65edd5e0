// ContactTable keeps routing's contacts in arrays with the top bits of each id: it must behave as
// the Map it replaced, and interval checks on tops must agree with the exact ones, also when tops
// are equal (ids that share their first 52 bits).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RING_SIZE, inInterval, type Id, type PeerId } from '../core/id.js';
import { ContactTable, idTop, inIntervalTop } from './contacts.js';

const arbId = fc.bigInt({ min: 0n, max: RING_SIZE - 1n }).map((n) => n as Id);
/** Ids that often share their top 52 bits with each other (a few tops, random low bits). */
const arbCloseId = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.bigInt({ min: 0n, max: (1n << 108n) - 1n }))
  .map(([top, low]) => ((BigInt(top) << 108n) | low) as Id);
const arbAnyId = fc.oneof(arbId, arbCloseId);

describe('idTop and inIntervalTop', () => {
  it('agree with the exact interval check, ends open or closed', () => {
    fc.assert(
      fc.property(arbAnyId, arbAnyId, arbAnyId, fc.boolean(), fc.boolean(), (x, a, b, cs, ce) => {
        expect(inIntervalTop(x, idTop(x), a, idTop(a), b, idTop(b), cs, ce)).toBe(inInterval(x, a, b, cs, ce));
      }),
      { numRuns: 2000 },
    );
  });

  it('is non-decreasing in the id', () => {
    fc.assert(fc.property(arbAnyId, arbAnyId, (a, b) => {
      if (a < b) expect(idTop(a) <= idTop(b)).toBe(true);
    }));
  });
});

describe('ContactTable', () => {
  it('behaves as a Map under any sequence of sets and deletes', () => {
    const peer = fc.integer({ min: 0, max: 9 }).map((i) => `p${i}` as PeerId);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), p: peer, id: arbId }),
      fc.record({ kind: fc.constant('delete' as const), p: peer }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const t = new ContactTable();
        const m = new Map<PeerId, Id>();
        for (const o of ops) {
          if (o.kind === 'set') {
            t.set(o.p, o.id);
            m.set(o.p, o.id);
          } else expect(t.delete(o.p)).toBe(m.delete(o.p));
          expect(t.size).toBe(m.size);
        }
        for (const [p, id] of m) {
          expect(t.has(p)).toBe(true);
          expect(t.get(p)).toBe(id);
        }
        expect(new Map(t.entries())).toEqual(m);
        expect([...t.keys()].sort()).toEqual([...m.keys()].sort());
        // The arrays line up: each slot's top is its id's.
        t.peers.forEach((p, i) => {
          expect(t.ids[i]).toBe(m.get(p));
          expect(t.tops[i]).toBe(idTop(m.get(p)!));
        });
      }),
    );
  });

  it('lets the caller remove contacts while walking a snapshot of them', () => {
    const t = new ContactTable();
    for (let i = 0; i < 5; i++) t.set(`p${i}` as PeerId, BigInt(i) as Id);
    const seen: string[] = [];
    for (const p of t.keys()) {
      seen.push(p);
      t.delete(p);
    }
    expect(seen.sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(t.size).toBe(0);
  });
});
