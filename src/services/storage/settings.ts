// What a peer's storage service may be configured with: one spec per setting (unit, range,
// default), checked once where the service is built (storageSettings() in service.ts).
import type { OptionSpecs } from '../../core/options.js';
import { DEFAULT_REPAIR_PERIOD_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './constants.js';

/**
 * What a peer's storage service may be configured with (StorageOptions, PeerOptions.storage), each
 * with its unit, range and default; the rest of constants.ts is fixed. Checked once, in storageSettings().
 */
export const STORAGE_SETTINGS = {
  quotaBytes: { type: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'bytes', description: 'chunk data this peer holds for others at most' },
  requestTimeoutMs: { type: 'integer', default: DEFAULT_REQUEST_TIMEOUT_MS, min: 1, unit: 'ms', description: 'time one request may take before it is retried elsewhere' },
  repairPeriodMs: { type: 'integer', default: DEFAULT_REPAIR_PERIOD_MS, min: 1, unit: 'ms', description: 'period of the repair loop' },
} as const satisfies OptionSpecs;
