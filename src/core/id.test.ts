// Proves the 160-bit id codec and the ring arithmetic (intervals with wrap-around, distance, fingers).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RING_SIZE, addPow2, asId, distance, hashBytesToId, hashNameToId, idFromHex, idToBytes, idToHex, inInterval, inIntervalHex, isHexId,
  type Id,
} from './id.js';
import { InvalidArgumentError } from './errors.js';

const arbId = fc.bigInt({ min: 0n, max: RING_SIZE - 1n }).map((n) => n as Id);

describe('id codec', () => {
  it('round-trips hex and bytes for any id', () => {
    fc.assert(fc.property(arbId, (id) => {
      const hex = idToHex(id);
      expect(hex).toHaveLength(40);
      expect(isHexId(hex)).toBe(true);
      expect(idFromHex(hex)).toBe(id);
      expect(idToBytes(id)).toHaveLength(20);
    }));
  });

  it('refuses malformed hex with a typed error', () => {
    for (const bad of ['', 'xyz', 'A'.repeat(40), '0'.repeat(39), '0'.repeat(41), ' '.repeat(40)]) {
      expect(() => idFromHex(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('hashes names and bytes to the first 160 bits of SHA-256', () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(idToHex(hashNameToId('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a3');
    expect(hashBytesToId(new TextEncoder().encode('abc'))).toBe(hashNameToId('abc'));
    expect(hashNameToId('a')).not.toBe(hashNameToId('b'));
  });
});

describe('ring math', () => {
  const id = (n: number | bigint) => asId(BigInt(n));

  it('interval membership without wrap-around', () => {
    expect(inInterval(id(5), id(1), id(10))).toBe(true);
    expect(inInterval(id(1), id(1), id(10))).toBe(false);
    expect(inInterval(id(1), id(1), id(10), true)).toBe(true);
    expect(inInterval(id(10), id(1), id(10))).toBe(false);
    expect(inInterval(id(10), id(1), id(10), false, true)).toBe(true);
    expect(inInterval(id(11), id(1), id(10), true, true)).toBe(false);
  });

  it('interval membership wraps around zero', () => {
    const top = asId(RING_SIZE - 5n);
    expect(inInterval(id(2), top, id(10))).toBe(true);
    expect(inInterval(asId(RING_SIZE - 1n), top, id(10))).toBe(true);
    expect(inInterval(id(20), top, id(10))).toBe(false);
  });

  it('an interval from a peer to itself is the whole ring', () => {
    expect(inInterval(id(3), id(7), id(7))).toBe(true);
    expect(inInterval(id(7), id(7), id(7))).toBe(false);
    expect(inInterval(id(7), id(7), id(7), false, true)).toBe(true);
  });

  it('membership agrees with clockwise distance', () => {
    fc.assert(fc.property(arbId, arbId, arbId, (x, a, b) => {
      fc.pre(a !== b && x !== a && x !== b);
      expect(inInterval(x, a, b)).toBe(distance(a, x) < distance(a, b));
    }));
  });

  it('membership over hex ids agrees with membership over numbers, ends included or not', () => {
    // Small ids as well as random ones, so that equal ends and equal points come up.
    const arb = fc.oneof(arbId, fc.integer({ min: 0, max: 4 }).map((n) => id(n)));
    fc.assert(fc.property(arb, arb, arb, fc.boolean(), fc.boolean(), (x, a, b, cs, ce) => {
      expect(inIntervalHex(idToHex(x), idToHex(a), idToHex(b), cs, ce)).toBe(inInterval(x, a, b, cs, ce));
    }));
  });

  it('distance is clockwise and sums around the ring', () => {
    fc.assert(fc.property(arbId, arbId, (a, b) => {
      const d = distance(a, b);
      expect(d >= 0n && d < RING_SIZE).toBe(true);
      if (a !== b) expect(d + distance(b, a)).toBe(RING_SIZE);
    }));
  });

  it('fingers start at id + 2^k modulo the ring', () => {
    expect(addPow2(id(0), 3)).toBe(id(8));
    expect(addPow2(asId(RING_SIZE - 1n), 0)).toBe(id(0));
    expect(addPow2(asId(RING_SIZE - 1n), 159)).toBe(asId((1n << 159n) - 1n));
  });
});
