// The Rng compliance suite: every Rng implementation's test calls runRngCompliance.
import { describe, expect, it } from 'vitest';
import type { Rng } from '../ports.js';

export interface RngComplianceOptions {
  /** False for a crypto-backed Rng: then same-seed determinism is not checked. */
  seeded?: boolean;
}

function take(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

export function runRngCompliance(name: string, make: (seed: number) => Rng, opts: RngComplianceOptions = {}): void {
  const seeded = opts.seeded ?? true;
  describe(`Rng compliance: ${name}`, () => {
    if (seeded) {
      it('gives the same stream for the same seed and another for another seed', () => {
        expect(take(make(42), 50)).toEqual(take(make(42), 50));
        expect(take(make(42), 50)).not.toEqual(take(make(43), 50));
      });

      it('forks deterministically: same seed and label, same stream', () => {
        expect(take(make(7).fork('a'), 20)).toEqual(take(make(7).fork('a'), 20));
      });
    }

    it('forks independent streams for different labels and from the parent', () => {
      const parent = make(7);
      const a = take(parent.fork('a'), 20);
      const b = take(parent.fork('b'), 20);
      expect(a).not.toEqual(b);
      expect(take(parent, 20)).not.toEqual(a);
      // Forking the same label twice gives two different streams: the parent has moved on.
      expect(take(parent.fork('a'), 20)).not.toEqual(a);
    });

    it('keeps next() in [0, 1) and spreads it evenly', () => {
      const rng = make(1);
      const buckets = new Array(10).fill(0);
      for (let i = 0; i < 20_000; i++) {
        const x = rng.next();
        expect(x >= 0 && x < 1).toBe(true);
        buckets[Math.floor(x * 10)]++;
      }
      for (const b of buckets) expect(Math.abs(b - 2_000)).toBeLessThan(300);
    });

    it('keeps int() inside its bounds and reaches both ends', () => {
      const rng = make(2);
      const seen = new Set<number>();
      for (let i = 0; i < 2_000; i++) {
        const x = rng.int(7);
        expect(Number.isInteger(x) && x >= 0 && x < 7).toBe(true);
        seen.add(x);
      }
      expect(seen.size).toBe(7);
      for (let i = 0; i < 100; i++) expect(rng.int(1)).toBe(0);
      const big = 2 ** 40;
      for (let i = 0; i < 100; i++) {
        const x = rng.int(big);
        expect(Number.isInteger(x) && x >= 0 && x < big).toBe(true);
      }
    });

    it('gives bytes of the asked length', () => {
      const rng = make(3);
      for (const n of [0, 1, 3, 4, 5, 32, 1000]) {
        const b = rng.bytes(n);
        expect(b).toBeInstanceOf(Uint8Array);
        expect(b.length).toBe(n);
      }
      expect(rng.bytes(64).some((x) => x !== 0)).toBe(true);
    });
  });
}
