// Proves the exchange arithmetic of aggregation: overlapping push-pull exchanges conserve every
// mass, counting instances keep the lowest tickets, received values are clamped to their limits,
// and the slicing brackets narrow onto the true quantiles.
import { describe, expect, it } from 'vitest';
import { absorb, clampBody, initialState, settle, sizeOf, snapshot } from './agg-state.js';
import { ATTRIBUTE_LIMITS, type Attributes } from './attributes.js';
import { COUNT_INSTANCES, PROBES_PER_QUANTILE, SLICE_QUANTILES } from './constants.js';
import { decileOf, endsOf, indicators, initialBrackets, logValue, narrow, probesOf } from './quantiles.js';

const attrs = (x: number): Attributes => ({ cores: x, storageOfferedBytes: x * 1000, storageUsedBytes: 0, tasksRunning: 0, uptimeS: 0 });
const ends = endsOf(initialBrackets(ATTRIBUTE_LIMITS.storageOfferedBytes));

describe('push-pull exchange', () => {
  it('conserves the sums when a reply arrives after another exchange', () => {
    const a = initialState(0, attrs(10), 0.1, ends, 1);
    const b = initialState(0, attrs(2), 0.2, ends, 2);
    const c = initialState(0, attrs(6), 0.3, ends, 3);
    const sentAB = snapshot(a);
    const replyB = snapshot(b);
    absorb(b, sentAB, 2);
    // Before B's reply reaches A, C exchanges with A.
    const sentCA = snapshot(c);
    const replyA = snapshot(a);
    absorb(a, sentCA, 1);
    settle(c, sentCA, replyA, 3);
    settle(a, sentAB, replyB, 1);
    expect(a.avg[0]! + b.avg[0]! + c.avg[0]!).toBeCloseTo(18, 9);
    const massIn = (count: number[], t: number): number => {
      const k = count.findIndex((v, i) => i % 2 === 0 && v === t);
      return k < 0 ? 0 : count[k + 1]!;
    };
    const mass = (t: number): number => [a, b, c].reduce((s, x) => s + massIn(x.count, t), 0);
    expect(mass(0.1)).toBeCloseTo(1, 9);
    expect(mass(0.2)).toBeCloseTo(1, 9);
    expect(a.max[0]).toBe(10);
  });

  it('keeps the lowest tickets and estimates the size from them', () => {
    const s = initialState(0, attrs(1), 0.5, ends, 0);
    for (let i = 0; i < 5; i++) absorb(s, snapshot(initialState(0, attrs(1), 0.1 * i, ends, 0)), 0);
    expect(s.count.filter((_, k) => k % 2 === 0)).toEqual([0, 0.1, 0.2].slice(0, COUNT_INSTANCES));
    expect(sizeOf(s)).toBeGreaterThan(1);
    expect(sizeOf({ ...s, count: [] })).toBeNull();
  });

  it('clamps what a peer reports to the attribute limits', () => {
    const liar = snapshot(initialState(0, attrs(1e18), 0.5, ends, 0));
    expect(clampBody(liar).avg[0]).toBe(ATTRIBUTE_LIMITS.cores);
    expect(clampBody(liar).max[1]).toBe(ATTRIBUTE_LIMITS.storageOfferedBytes);
  });
});

describe('ordered slicing', () => {
  it('narrows the brackets onto the deciles of a population, and ranks each value', () => {
    const values = Array.from({ length: 1000 }, (_, i) => logValue((i + 1) * 1e6));
    const maxU = logValue(ATTRIBUTE_LIMITS.storageOfferedBytes);
    let brackets = initialBrackets(ATTRIBUTE_LIMITS.storageOfferedBytes);
    for (let epoch = 0; epoch < 12; epoch++) {
      const ends = endsOf(brackets);
      const below = probesOf(brackets).map((_, k) => values.reduce((s, u) => s + indicators(u, ends)[k]!, 0) / values.length);
      brackets = narrow(ends, below, maxU);
    }
    expect(brackets).toHaveLength(SLICE_QUANTILES.length);
    expect(probesOf(brackets)).toHaveLength(SLICE_QUANTILES.length * PROBES_PER_QUANTILE);
    const right = values.filter((u, i) => decileOf(u, brackets) === Math.floor(i / 100)).length;
    expect(right).toBe(1000);
  });
});
