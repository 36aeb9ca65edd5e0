// Stragglers: a running task whose one attempt has been out more than STRAGGLER_FACTOR times its
// phase's median (assignment to answer, as the keeper measured it) gets a speculative copy on an
// idle worker, once. The first copy to commit wins; the journal refuses the other's answer, so
// no output is committed twice (state.ts). The keeper looks for them only when no task waits.
import { MAX_ATTEMPTS, MAX_TASKS_PER_JOB, STRAGGLER_FACTOR } from './constants.js';
import type { JobState } from './state.js';
import type { JobTimes } from './timing.js';

export interface Straggler {
  phase: number;
  index: number;
  /** The copy's attempt number. */
  attempt: number;
  /** The worker running the one attempt out: the copy goes elsewhere. */
  running: string;
}

/** The tasks running alone past STRAGGLER_FACTOR times their phase's median at nowMs, in no particular order. */
export function* stragglers(s: JobState, times: JobTimes, nowMs: number): Generator<Straggler> {
  for (const [key, attempts] of s.running) {
    if (attempts.size !== 1) continue;
    const phase = Math.floor(key / MAX_TASKS_PER_JOB);
    const index = key - phase * MAX_TASKS_PER_JOB;
    const since = times.assignedMs.get(key);
    const median = times.took.median(phase);
    const attempt = s.phases[phase]!.attemptsOf(index) + 1;
    if (since === undefined || median === undefined || nowMs - since <= STRAGGLER_FACTOR * median || attempt > MAX_ATTEMPTS + 1) continue;
    yield { phase, index, attempt, running: attempts.values().next().value! };
  }
}

/** When the first task running alone becomes a straggler, or undefined when none can (no median yet). */
export function nextStragglerMs(s: JobState, times: JobTimes): number | undefined {
  let atMs = Infinity;
  for (const [key, attempts] of s.running) {
    const median = times.took.median(Math.floor(key / MAX_TASKS_PER_JOB));
    const since = times.assignedMs.get(key);
    if (attempts.size === 1 && median !== undefined && since !== undefined) atMs = Math.min(atMs, since + STRAGGLER_FACTOR * median + 1);
  }
  return atMs === Infinity ? undefined : atMs;
}
