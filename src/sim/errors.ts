// Failures of a simulated run. Every message carries the seed, so the run can be reproduced.
import { CumulusError } from '../core/errors.js';

export class SimFailureError extends CumulusError {
  readonly seed: number;
  readonly atMs: number;

  constructor(seed: number, atMs: number, what: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : cause !== undefined ? `: ${String(cause)}` : '';
    super('INTERNAL', `simulation failed at ${atMs.toFixed(3)} ms of virtual time: ${what}${why} (reproduce with --seed ${seed})`, {
      seed,
      atMs,
    });
    this.seed = seed;
    this.atMs = atMs;
    if (cause instanceof Error && cause.stack) this.stack = `${this.stack}\ncaused by: ${cause.stack}`;
  }
}
