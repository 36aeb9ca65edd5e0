// Proves that the gossip scenario's frames as checked objects (the oracle ring's 'values', its
// default for speed) give the same run as frames through the msgpack codec: every figure and the
// digest agree, with churn.
import { describe, expect, it } from 'vitest';
import { runGossip } from './gossip.js';

describe('sim gossip', () => {
  it('gives the same figures and digest with frames as values and as bytes', async () => {
    const base = { seed: 4, nodes: 60, seconds: 120, churn: 60, stable: 40, liars: 0, noTrim: false } as const;
    const values = await runGossip({ ...base, frames: 'values' });
    const bytes = await runGossip({ ...base, frames: 'bytes' });
    expect(values.departures).toBeGreaterThan(0);
    expect(values.sizeErrP50).not.toBeNull();
    expect(values).toEqual(bytes);
  });
});
