// A job's state as its journal builds it: a pure state machine that the jKeeper and each journal
// replica feed the same entries in the same order, so a replica that takes the job over holds the
// keeper's state as of the last entry it acked. `refusal(entry)` says why an entry cannot follow
// the ones applied so far (a second commit of a task, an answer from an attempt that is no longer
// out, an entry after the job ended); the keeper asks before it journals anything, and a replica
// refuses such an entry from any peer. `apply` then never fails.
import { MAX_ATTEMPTS, MAX_TASKS_PER_JOB } from './constants.js';
import type { Entry, EntryOf, FailureKind, JobSpec } from './schemas.js';
import { TaskStatus, TaskTable } from './tasks.js';

/** Why an entry was refused; 'duplicate' and 'stale' are the late answers the keeper counts and ignores. */
export type Refusal = 'not-created' | 'created-twice' | 'ended' | 'cancelled' | 'inputs-closed' | 'inputs-gap' | 'too-many-tasks' | 'no-such-task' | 'bad-attempt' | 'duplicate' | 'stale' | 'not-settled' | 'bad-phase';

/** A task that failed for good: what the job's errors and failures list. */
export interface TaskError {
  phase: number;
  index: number;
  kind: FailureKind;
  exitCode: number;
  message: string;
  stderr: string;
}

/** A task's key in one number: phase × MAX_TASKS_PER_JOB + index. */
export function taskKey(phase: number, index: number): number {
  return phase * MAX_TASKS_PER_JOB + index;
}

export class JobState {
  user = '';
  spec: JobSpec | null = null;
  phases: TaskTable[] = [];
  inputs: string[] = [];
  inputsEnded = false;
  phaseDone: boolean[] = [];
  cancelled = false;
  ended = false;
  keepers = 0;
  retries = 0;
  speculative = 0;
  errors: TaskError[] = [];
  /** Entries applied: the next entry's sequence number. */
  seq = 0;
  /** Workers of the attempts out now, by task key then attempt. */
  readonly running = new Map<number, Map<number, string>>();
  /** Tasks that became pending, in order; may hold tasks assigned since (the reader skips them). */
  private readonly ready: number[] = [];
  private readyHead = 0;

  refusal(e: Entry): Refusal | null {
    if (e.t === 'created') return this.spec === null ? null : 'created-twice';
    if (this.spec === null) return 'not-created';
    if (this.ended) return 'ended';
    switch (e.t) {
      case 'keeper':
        return null;
      case 'inputs':
        if (this.inputsEnded) return 'inputs-closed';
        if (e.first !== this.inputs.length) return 'inputs-gap';
        return this.inputs.length + e.paths.length > MAX_TASKS_PER_JOB ? 'too-many-tasks' : null;
      case 'inputs-end':
        return this.inputsEnded ? 'inputs-closed' : null;
      case 'assigned':
        return this.assignRefusal(e);
      case 'committed':
      case 'failed':
        return this.answerRefusal(e);
      case 'phase-done':
        if (e.phase >= this.phases.length || this.phaseDone[e.phase]) return 'bad-phase';
        return this.upstreamComplete(e.phase) && this.phases[e.phase]!.settled() ? null : 'not-settled';
      case 'cancelled':
        return this.cancelled ? 'cancelled' : null;
      case 'job-done':
        return this.cancelled || this.phaseDone.every(Boolean) ? null : 'not-settled';
    }
  }

  private assignRefusal(e: EntryOf<'assigned'>): Refusal | null {
    if (this.cancelled) return 'cancelled';
    const table = this.phases[e.phase];
    if (table === undefined) return 'no-such-task';
    const s = table.statusOf(e.index);
    if (s === TaskStatus.Absent) return 'no-such-task';
    if (s === TaskStatus.Done) return 'duplicate';
    if (s === TaskStatus.Failed) return 'stale';
    if (e.attempt !== table.attemptsOf(e.index) + 1 || e.attempt > MAX_ATTEMPTS + 1) return 'bad-attempt';
    return e.speculative === (s === TaskStatus.Running) ? null : 'bad-attempt';
  }

  private answerRefusal(e: EntryOf<'committed'> | EntryOf<'failed'>): Refusal | null {
    const table = this.phases[e.phase];
    if (table === undefined || table.statusOf(e.index) === TaskStatus.Absent) return 'no-such-task';
    if (table.statusOf(e.index) === TaskStatus.Done) return 'duplicate';
    return table.isLive(e.index, e.attempt) ? null : 'stale';
  }

  /** Apply an entry that refusal() accepted. */
  apply(e: Entry): void {
    this.seq++;
    switch (e.t) {
      case 'created':
        this.user = e.user;
        this.spec = e.job;
        this.phases = e.job.phases.map(() => new TaskTable());
        this.phaseDone = e.job.phases.map(() => false);
        return;
      case 'keeper':
        this.keepers++;
        return;
      case 'inputs':
        this.inputs.push(...e.paths);
        if (this.spec!.phases[0]!.type === 'map') for (let i = e.first; i < this.inputs.length; i++) this.addTask(0, i);
        return;
      case 'inputs-end':
        this.inputsEnded = true;
        this.openReducers(0);
        return;
      case 'assigned':
        return this.onAssigned(e);
      case 'committed':
        return this.onCommitted(e);
      case 'failed':
        return this.onFailed(e);
      case 'phase-done':
        this.phaseDone[e.phase] = true;
        this.openReducers(e.phase + 1);
        return;
      case 'cancelled':
        this.cancelled = true;
        return;
      case 'job-done':
        this.ended = true;
        this.running.clear();
    }
  }

  private onAssigned(e: EntryOf<'assigned'>): void {
    this.phases[e.phase]!.assign(e.index, e.attempt);
    if (e.speculative) this.speculative++;
    const key = taskKey(e.phase, e.index);
    let out = this.running.get(key);
    if (out === undefined) this.running.set(key, (out = new Map()));
    out.set(e.attempt, e.worker);
  }

  private onCommitted(e: EntryOf<'committed'>): void {
    this.phases[e.phase]!.commit(e.index, e.attempt);
    this.running.delete(taskKey(e.phase, e.index));
    const next = e.phase + 1;
    if (next < this.phases.length && this.spec!.phases[next]!.type === 'map') this.addTask(next, e.index);
  }

  private onFailed(e: EntryOf<'failed'>): void {
    const table = this.phases[e.phase]!;
    table.fail(e.index, e.attempt, e.final);
    const key = taskKey(e.phase, e.index);
    const out = this.running.get(key);
    if (e.final) {
      this.running.delete(key);
      this.errors.push({ phase: e.phase, index: e.index, kind: e.kind, exitCode: e.exitCode, message: e.message, stderr: e.stderr });
      return;
    }
    out?.delete(e.attempt);
    if (out?.size === 0) this.running.delete(key);
    if (table.statusOf(e.index) === TaskStatus.Pending) {
      this.retries++;
      this.ready.push(key);
    }
  }

  /** A reduce phase's tasks all exist once everything upstream of it is complete. */
  private openReducers(phase: number): void {
    const p = this.spec!.phases[phase];
    if (p === undefined || p.type !== 'reduce' || !this.upstreamComplete(phase)) return;
    for (let i = 0; i < (p.count ?? 1); i++) this.addTask(phase, i);
  }

  /** Will no more tasks of this phase appear? */
  upstreamComplete(phase: number): boolean {
    return phase === 0 ? this.inputsEnded : this.phaseDone[phase - 1] === true;
  }

  private addTask(phase: number, index: number): void {
    this.phases[phase]!.add(index);
    this.ready.push(taskKey(phase, index));
  }

  /** The next task waiting for a worker, oldest first, or undefined; it stays pending until assigned. */
  nextPending(): { phase: number; index: number } | undefined {
    while (this.readyHead < this.ready.length) {
      const key = this.ready[this.readyHead]!;
      const phase = Math.floor(key / MAX_TASKS_PER_JOB);
      const index = key - phase * MAX_TASKS_PER_JOB;
      if (this.phases[phase]!.statusOf(index) === TaskStatus.Pending) return { phase, index };
      this.readyHead++;
      // Drop the consumed head now and then, so the queue holds what is waiting, not the job's history.
      if (this.readyHead > 4096 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
    }
    return undefined;
  }

  /** The first phase not yet journaled as done, if every task of it is settled and no more can appear. */
  phaseToClose(): number | undefined {
    const p = this.phaseDone.indexOf(false);
    if (p < 0 || !this.upstreamComplete(p) || !this.phases[p]!.settled()) return undefined;
    return p;
  }
}
