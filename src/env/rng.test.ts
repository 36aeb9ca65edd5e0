// Proves the seeded Rng passes the Rng compliance suite and that its derived streams are stable.
import { describe, expect, it } from 'vitest';
import { runRngCompliance } from './compliance/rng.js';
import { derivedRng, hashLabel, seededRng } from './rng.js';

runRngCompliance('seededRng', (seed) => seededRng(seed));
runRngCompliance('derivedRng', (seed) => derivedRng(seed, 'label'));

describe('seededRng', () => {
  it('derives streams from (seed, label) without consuming any other stream', () => {
    const a = derivedRng(5, 'node:1').next();
    expect(derivedRng(5, 'node:1').next()).toBe(a);
    expect(derivedRng(5, 'node:2').next()).not.toBe(a);
    expect(derivedRng(6, 'node:1').next()).not.toBe(a);
  });

  it('hashes labels to different words', () => {
    expect(hashLabel('a')).not.toEqual(hashLabel('b'));
    expect(hashLabel('a')).toEqual(hashLabel('a'));
  });

  it('separates seeds beyond 32 bits', () => {
    expect(seededRng(2 ** 33 + 1).next()).not.toBe(seededRng(1).next());
  });
});
