// Proves the written-out check of the aggregation body: it accepts what a peer sends and refuses
// every body a schema with the same limits would refuse (other or missing fields, wrong lengths,
// numbers out of range or not finite), with the path of the first problem.
import { describe, expect, it } from 'vitest';
import { initialState, snapshot } from './agg-state.js';
import { ATTRIBUTE_LIMITS } from './attributes.js';
import { endsOf, initialBrackets } from './quantiles.js';
import { checkAggMsg, type AggMsg } from './schemas.js';

const ends = endsOf(initialBrackets(ATTRIBUTE_LIMITS.storageOfferedBytes));
const good = (): AggMsg => snapshot(initialState(3, { cores: 4, storageOfferedBytes: 1e9, storageUsedBytes: 0, tasksRunning: 1, uptimeS: 10 }, 0.25, ends, 20), 7, 1_500, false);

/** The path a refusal names, or 'ok'. */
function verdict(body: unknown): string {
  const r = checkAggMsg(body, 'gossip agg');
  return r.ok ? 'ok' : String(r.error.detail?.path);
}

describe('checkAggMsg', () => {
  it('accepts an honest body, passive or not, through a msgpack-like copy', () => {
    expect(verdict(good())).toBe('ok');
    expect(verdict(JSON.parse(JSON.stringify({ ...good(), passive: true })))).toBe('ok');
  });

  it('refuses bodies a schema with the same limits refuses', () => {
    const cases: Array<[string, unknown]> = [
      ['', null],
      ['', [1, 2]],
      ['', { ...good(), extra: 1 }],
      ['/n', { ...good(), n: 2 ** 32 }],
      ['/epoch', { ...good(), epoch: 1.5 }],
      ['/ageMs', { ...good(), ageMs: -1 }],
      ['/passive', { ...good(), passive: 'yes' }],
      ['/sliceT', { ...good(), sliceT: 2 }],
      ['/avg/0', { ...good(), avg: [NaN, 0, 0, 0, 0] }],
      ['/max/1', { ...good(), max: [0, Infinity, 0, 0, 0] }],
      ['/avg', { ...good(), avg: [0, 0, 0, 0] }],
      ['/count', { ...good(), count: [0.1, 0.5, 0.2] }],
      ['/count', { ...good(), count: [0.1, 0.5, 0.2, 0.5, 0.3, 0.5, 0.4, 0.5] }],
      ['/count/1', { ...good(), count: [0.1, 1.5] }],
      ['/ends/0', { ...good(), ends: [65, ...ends.slice(1)] }],
      ['/below', { ...good(), below: [] }],
      ['/below/2', { ...good(), below: good().below.map((x, i) => (i === 2 ? '1' : x)) }],
    ];
    for (const [path, body] of cases) expect(verdict(body), JSON.stringify(body)?.slice(0, 60)).toBe(path);
  });

  it('refuses a body missing a field even when another takes its place', () => {
    const { n: _n, ...rest } = good();
    expect(verdict(rest)).not.toBe('ok');
    expect(verdict({ ...rest, m: 1 })).toBe('/n');
  });
});
