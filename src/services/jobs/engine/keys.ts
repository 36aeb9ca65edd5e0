// Ring keys of the jobs engine: a job's keeper owns hash(job ‖ id); a reduce partition's holder
// owns hash(job ‖ id ‖ phase ‖ partition). The prefixes keep them apart from storage's path keys.
import { hashNameToId, type Id } from '../../../core/id.js';

export function jobKey(jobId: string): Id {
  return hashNameToId(`job\0${jobId}`);
}

export function partitionKey(jobId: string, phase: number, partition: number): Id {
  return hashNameToId(`job\0${jobId}\0${phase}\0${partition}`);
}
