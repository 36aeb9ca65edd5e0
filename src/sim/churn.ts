// Churn: how long peers stay. Measured P2P session times are heavy-tailed (most sessions are short,
// a few last days), so besides the memoryless exponential we offer Weibull (shape < 1 for heavy
// tails) and Pareto. Every distribution is parameterised by its median, which is the figure
// measurement studies report and the easiest to reason about.
import { InvalidArgumentError } from '../core/errors.js';
import type { SeededRng } from '../env/rng.js';
import type { Simulator } from './simulator.js';

export type SessionDistribution =
  | { kind: 'exponential'; medianMs: number }
  | { kind: 'weibull'; shape: number; medianMs: number }
  | { kind: 'pareto'; alpha: number; medianMs: number }
  | { kind: 'constant'; ms: number };

/** A sampler of session (or downtime) lengths in ms. */
export function sessionSampler(dist: SessionDistribution, rng: SeededRng): () => number {
  // 1 - next() lies in (0, 1], so the logarithms and powers below stay finite.
  switch (dist.kind) {
    case 'constant':
      return () => dist.ms;
    case 'exponential': {
      const mean = dist.medianMs / Math.LN2;
      return () => -Math.log(1 - rng.next()) * mean;
    }
    case 'weibull': {
      if (!(dist.shape > 0)) throw new InvalidArgumentError('weibull shape must be > 0');
      const scale = dist.medianMs / Math.pow(Math.LN2, 1 / dist.shape);
      const inv = 1 / dist.shape;
      return () => scale * Math.pow(-Math.log(1 - rng.next()), inv);
    }
    case 'pareto': {
      if (!(dist.alpha > 0)) throw new InvalidArgumentError('pareto alpha must be > 0');
      const xm = dist.medianMs / Math.pow(2, 1 / dist.alpha);
      const inv = 1 / dist.alpha;
      return () => xm / Math.pow(1 - rng.next(), inv);
    }
  }
}

/** The median of some samples (sorts a copy). */
export function medianOf(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface ChurnOptions<T> {
  sim: Simulator;
  /** How many peers to keep in the system. */
  population: number;
  session: SessionDistribution;
  /** Time between a leave and the join that replaces it; immediate when absent. */
  downtime?: SessionDistribution;
  /** Bring a peer in; returns a handle passed back to leave(). */
  join: () => T;
  /** Take a peer out (crash it, or let it leave gracefully). */
  leave: (peer: T) => void;
  /** Label of the churn's random stream, so that several drivers stay independent. */
  label?: string;
}

/**
 * Keeps a population churning: every peer gets a session length at join; when it ends the peer
 * leaves and, after a downtime, a replacement joins. The population never exceeds its target.
 */
export class ChurnDriver<T> {
  joins = 0;
  leaves = 0;
  private readonly sessionMs: () => number;
  private readonly downtimeMs: () => number;
  private live = 0;
  private stopped = false;

  constructor(private readonly opts: ChurnOptions<T>) {
    const rng = opts.sim.stream(`churn:${opts.label ?? 'default'}`);
    this.sessionMs = sessionSampler(opts.session, rng.fork('session'));
    this.downtimeMs = opts.downtime ? sessionSampler(opts.downtime, rng.fork('downtime')) : () => 0;
  }

  get population(): number {
    return this.live;
  }

  /** Join the initial population now; their sessions start now too. */
  start(): void {
    while (this.live < this.opts.population) this.joinOne();
  }

  /** No more leaves or joins are scheduled to happen after this. */
  stop(): void {
    this.stopped = true;
  }

  private joinOne(): void {
    const peer = this.opts.join();
    this.live++;
    this.joins++;
    this.opts.sim.schedule(this.sessionMs(), () => {
      if (this.stopped) return;
      this.opts.leave(peer);
      this.live--;
      this.leaves++;
      this.opts.sim.schedule(this.downtimeMs(), () => {
        if (!this.stopped && this.live < this.opts.population) this.joinOne();
      });
    });
  }
}
