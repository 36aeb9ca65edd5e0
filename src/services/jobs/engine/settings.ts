// What a peer's jobs engine may be configured with: one spec per setting (unit, range, default),
// checked once where the service is built (jobsSettings() in service.ts).
import type { OptionSpecs, OptionValues } from '../../../core/options.js';
import { JOURNAL_COMPACT_ENTRIES, MAX_ATTEMPTS } from './constants.js';

/** Time one request to a replica or a worker may take, by default: a few round trips on a loaded ring. */
export const DEFAULT_RPC_TIMEOUT_MS = 2000;

export const JOBS_SETTINGS = {
  rpcTimeoutMs: { type: 'integer', default: DEFAULT_RPC_TIMEOUT_MS, min: 1, max: 24 * 3600 * 1000, unit: 'ms', description: 'time one request to a journal replica or a worker may take' },
  maxAttempts: { type: 'integer', default: MAX_ATTEMPTS, min: 1, max: MAX_ATTEMPTS, unit: 'attempts', description: 'attempts of a task before it fails for good (timeouts, lost workers)' },
  compactEntries: { type: 'integer', default: JOURNAL_COMPACT_ENTRIES, min: 16, max: 16_777_216, unit: 'entries', description: 'journal entries past the last snapshot before a job\'s journal takes a new one' },
  taskSlots: { type: 'integer', default: 1, min: 1, max: 16, unit: 'tasks', description: 'tasks a worker runs at once (more overlap tasks that mostly wait on storage)' },
} as const satisfies OptionSpecs;
export type JobsSettings = OptionValues<typeof JOBS_SETTINGS>;
