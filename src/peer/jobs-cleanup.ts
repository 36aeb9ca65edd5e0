// Removing the output objects of attempts that lost: a speculative copy whose twin committed
// first, an attempt that timed out and answered late, an attempt that failed after storing part
// of its output. Only the committed attempt's objects are the task's output (paths.ts names each
// attempt apart); the others are removed by the worker when its answer is refused, and by the
// keeper's sweep when the job ends (for the attempts whose worker died before it could).
import { pool } from '../core/pool.js';
import type { Journal } from '../services/jobs/engine/journal.js';
import { outputPath } from '../services/jobs/engine/paths.js';
import { runPhase } from '../services/jobs/engine/placement.js';
import type { StorageClient } from '../services/storage/client.js';

/** Removals in flight at once (each is a metadata request to the object's sKeeper). */
const RM_CONCURRENCY = 8;
/** Objects one sweep removes at most: a job with more lost attempts than this keeps the rest. */
const MAX_SWEEP_OBJECTS = 100_000;

/** The objects one attempt wrote: its output, or its share of each partition. */
export function attemptObjects(user: string, jobId: string, phase: number, index: number, attempt: number, partitions: number): string[] {
  if (partitions === 1) return [outputPath(user, jobId, phase, index, attempt)];
  return Array.from({ length: partitions }, (_, k) => outputPath(user, jobId, phase, index, attempt, k));
}

/** Remove these objects, a few at a time; one that is absent (never written) is no error. Resolves to the count removed. */
export async function removeObjects(client: StorageClient, paths: readonly string[]): Promise<number> {
  let removed = 0;
  await pool(paths, RM_CONCURRENCY, async (p) => {
    if (await client.rm(p).then(() => true, () => false)) removed++;
  });
  return removed;
}

/** Every object of an attempt that is not its task's committed one, phase by phase, at most MAX_SWEEP_OBJECTS. */
export function lostAttemptObjects(journal: Journal): string[] {
  const s = journal.state;
  const out: string[] = [];
  for (let phase = 0; phase < s.phases.length; phase++) {
    const table = s.phases[phase]!;
    const partitions = runPhase(journal, phase).partitions;
    for (let i = 0; i < table.size; i++) {
      const winner = table.winnerOf(i);
      for (let a = 1; a <= table.attemptsOf(i); a++) {
        if (a === winner) continue;
        for (const p of attemptObjects(s.user, journal.jobId, phase, i, a, partitions)) {
          if (out.length >= MAX_SWEEP_OBJECTS) return out;
          out.push(p);
        }
      }
    }
  }
  return out;
}
