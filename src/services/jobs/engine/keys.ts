// Ring keys of the jobs engine: a job's keeper owns hash(job ‖ id); a reduce partition's holder
// owns hash(job ‖ id ‖ phase ‖ partition). The prefixes keep them apart from storage's path keys.
import { hashNameToId, type Id } from '../../../core/id.js';

/** Job keys hashed lately: every answer a worker sends is routed by its job's key. */
const recentKeys = new Map<string, Id>();
const MAX_RECENT_KEYS = 1024;

export function jobKey(jobId: string): Id {
  let key = recentKeys.get(jobId);
  if (key !== undefined) return key;
  // Forget everything at the bound: simpler than an LRU, and a peer works for a few jobs at a time.
  if (recentKeys.size >= MAX_RECENT_KEYS) recentKeys.clear();
  recentKeys.set(jobId, (key = hashNameToId(`job\0${jobId}`)));
  return key;
}

export function partitionKey(jobId: string, phase: number, partition: number): Id {
  return hashNameToId(`job\0${jobId}\0${phase}\0${partition}`);
}
