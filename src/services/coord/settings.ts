// What a peer's coordination service may be configured with: one spec per setting (unit, range,
// default), checked once where the service is built (coordSettings() in service.ts).
import type { OptionSpecs, OptionValues } from '../../core/options.js';
import { LEASE_MS, MAX_DURATION_MS, MAX_REPL_SUCCESSORS, REPL_SUCCESSORS, RPC_TIMEOUT_MS } from './constants.js';

/**
 * What a peer's coordination service may be configured with (CoordOptions, PeerOptions.coord),
 * each with its unit, range and default; the rest is fixed in constants.ts. Checked once, in coordSettings().
 */
export const COORD_SETTINGS = {
  replSuccessors: { type: 'integer', default: REPL_SUCCESSORS, min: 1, max: MAX_REPL_SUCCESSORS, unit: 'peers', description: 'successors that must hold a copy before a grant is answered' },
  leaseMs: { type: 'integer', default: LEASE_MS, min: 1, max: MAX_DURATION_MS, unit: 'ms', description: 'length of a grant unless renewed' },
  rpcTimeoutMs: { type: 'integer', default: RPC_TIMEOUT_MS, min: 1, max: MAX_DURATION_MS, unit: 'ms', description: 'time one request to an owner or a replica may take' },
} as const satisfies OptionSpecs;
export type CoordSettings = OptionValues<typeof COORD_SETTINGS>;
