// Proves the session-time distributions have the medians they are asked for and that the churn
// driver keeps its population while peers come and go.
import { describe, expect, it } from 'vitest';
import { seededRng } from '../env/rng.js';
import { ChurnDriver, Simulator, medianOf, sessionSampler, type SessionDistribution } from './index.js';

const SEED = 3;
const SAMPLES = 20_000;

describe(`session distributions (--seed ${SEED})`, () => {
  const cases: SessionDistribution[] = [
    { kind: 'exponential', medianMs: 60_000 },
    { kind: 'weibull', shape: 0.5, medianMs: 60_000 },
    { kind: 'weibull', shape: 2, medianMs: 60_000 },
    { kind: 'pareto', alpha: 1.5, medianMs: 60_000 },
  ];
  for (const dist of cases) {
    it(`${JSON.stringify(dist)} has its median within 5%`, () => {
      const sample = sessionSampler(dist, seededRng(SEED));
      const xs = Array.from({ length: SAMPLES }, sample);
      expect(xs.every((x) => x > 0 && Number.isFinite(x)), `seed ${SEED}`).toBe(true);
      expect(Math.abs(medianOf(xs) / 60_000 - 1), `seed ${SEED}`).toBeLessThan(0.05);
    });
  }

  it('makes heavy tails heavier: Weibull k=0.5 has a larger p99/median than exponential', () => {
    const p99 = (dist: SessionDistribution): number => {
      const s = sessionSampler(dist, seededRng(SEED));
      const xs = Array.from({ length: SAMPLES }, s).sort((a, b) => a - b);
      return xs[Math.floor(SAMPLES * 0.99)]! / medianOf(xs);
    };
    expect(p99({ kind: 'weibull', shape: 0.5, medianMs: 1000 })).toBeGreaterThan(p99({ kind: 'exponential', medianMs: 1000 }));
  });
});

describe(`ChurnDriver (--seed ${SEED})`, () => {
  it('keeps the population at its target while crashing and adding nodes', () => {
    const sim = new Simulator({ seed: SEED });
    const live = new Set<string>();
    const churn = new ChurnDriver({
      sim,
      population: 50,
      session: { kind: 'exponential', medianMs: 10_000 },
      downtime: { kind: 'constant', ms: 500 },
      join: () => {
        const n = sim.addNode();
        live.add(n.id);
        return n;
      },
      leave: (n) => {
        sim.crash(n.id);
        live.delete(n.id);
      },
    });
    churn.start();
    let minLive = Infinity;
    sim.addChecker('population bounded', () => {
      minLive = Math.min(minLive, live.size);
      return live.size <= 50 || `population ${live.size} over its target`;
    }, 250);
    sim.run({ untilMs: 120_000 });
    churn.stop();
    expect(churn.leaves, `seed ${SEED}`).toBeGreaterThan(300);
    expect(churn.joins - churn.leaves).toBe(live.size);
    expect(minLive, `seed ${SEED}`).toBeGreaterThan(35);
  });
});
