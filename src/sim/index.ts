// The simulator's public API. Scenarios and tests import from here only.
export { Simulator } from './simulator.js';
export { settle } from './settle.js';
export type { SimulatorOptions, RunOptions, RunResult, SimStats, CheckResult, ConvergenceResult } from './simulator.js';
export type { SimNode } from './node.js';
export { DEFAULT_NETWORK } from './network.js';
export type { NetworkOptions, LatencyModel } from './network.js';
export { SimFailureError } from './errors.js';
export { ChurnDriver, sessionSampler, medianOf } from './churn.js';
export type { SessionDistribution, ChurnOptions } from './churn.js';
