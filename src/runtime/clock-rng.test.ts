// Proves the real Clock is monotonic and fires and cancels timers, and the crypto Rng draws in
// range and forks into another crypto stream.
import { describe, expect, it } from 'vitest';
import { RealClock } from './clock.js';
import { CryptoRng } from './rng.js';

describe('RealClock', () => {
  it('never goes backwards, fires timers in delay order and skips cancelled ones', async () => {
    const c = new RealClock();
    const t0 = c.now();
    const fired: string[] = [];
    const cancelled = c.setTimer(1, () => fired.push('cancelled'));
    c.cancel(cancelled);
    c.cancel(cancelled);
    await new Promise<void>((resolve) => {
      c.setTimer(20, () => (fired.push('late'), resolve()));
      c.setTimer(-5, () => fired.push('early'));
    });
    expect(fired).toEqual(['early', 'late']);
    expect(c.now()).toBeGreaterThanOrEqual(t0);
  });
});

describe('CryptoRng', () => {
  it('draws floats in [0,1), ints below the bound and bytes of the asked length', () => {
    const r = new CryptoRng();
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const n = r.int(7);
      expect(Number.isInteger(n) && n >= 0 && n < 7).toBe(true);
    }
    expect(r.bytes(100_000)).toHaveLength(100_000);
    expect(r.bytes(0)).toHaveLength(0);
    expect(() => r.int(0)).toThrow(/positive/);
    const f = r.fork('x');
    expect(f).toBeInstanceOf(CryptoRng);
    expect(f.bytes(16)).not.toEqual(r.bytes(16));
  });
});
