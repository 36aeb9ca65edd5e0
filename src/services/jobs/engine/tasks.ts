// One phase's tasks in typed arrays, so that a job of a million tasks costs a few bytes a task on
// its keeper and on each journal replica. A task is named by its index in the phase; the arrays
// grow as tasks appear (inputs arrive, earlier tasks commit).

export const enum TaskStatus {
  /** No such task (yet, or ever: a map task whose feeding task failed). */
  Absent = 0,
  /** Waiting for a worker. */
  Pending = 1,
  /** At least one attempt is out. */
  Running = 2,
  /** An attempt's output was committed: the task's output, once and for all. */
  Done = 3,
  /** Failed for good: it is in the job's errors. */
  Failed = 4,
}

const INITIAL_CAPACITY = 64;

export class TaskTable {
  private status: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  /** The last attempt number given out (0: none). */
  private attempts: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  /** Bit (attempt - 1) is set while that attempt is out and may still answer. */
  private live: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  /** The attempt whose output was committed. */
  private winner: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  /** One past the highest index that exists. */
  size = 0;
  counts = { pending: 0, running: 0, done: 0, failed: 0 };

  statusOf(i: number): TaskStatus {
    return i < this.size ? (this.status[i]! as TaskStatus) : TaskStatus.Absent;
  }

  attemptsOf(i: number): number {
    return i < this.size ? this.attempts[i]! : 0;
  }

  isLive(i: number, attempt: number): boolean {
    return i < this.size && attempt >= 1 && attempt <= 8 && (this.live[i]! & (1 << (attempt - 1))) !== 0;
  }

  hasLive(i: number): boolean {
    return i < this.size && this.live[i]! !== 0;
  }

  winnerOf(i: number): number {
    return i < this.size ? this.winner[i]! : 0;
  }

  /** The task exists and waits for a worker. */
  add(i: number): void {
    this.grow(i + 1);
    if (this.status[i] !== TaskStatus.Absent) return;
    this.set(i, TaskStatus.Pending);
  }

  assign(i: number, attempt: number): void {
    this.attempts[i] = attempt;
    this.live[i]! |= 1 << (attempt - 1);
    if (this.status[i] === TaskStatus.Pending) this.set(i, TaskStatus.Running);
  }

  commit(i: number, attempt: number): void {
    this.winner[i] = attempt;
    this.live[i] = 0;
    this.set(i, TaskStatus.Done);
  }

  /** One attempt ended without output; the task waits again, or fails for good, when no other attempt is out. */
  fail(i: number, attempt: number, final: boolean): void {
    this.live[i]! &= ~(1 << (attempt - 1));
    if (final) {
      this.live[i] = 0;
      this.set(i, TaskStatus.Failed);
    } else if (this.live[i] === 0) this.set(i, TaskStatus.Pending);
  }

  /** Is every task that exists done or failed? */
  settled(): boolean {
    return this.counts.pending === 0 && this.counts.running === 0;
  }

  private set(i: number, s: TaskStatus): void {
    const before = this.status[i]! as TaskStatus;
    if (before !== TaskStatus.Absent) this.counts[NAMES[before]]--;
    this.status[i] = s;
    this.counts[NAMES[s]]++;
  }

  private grow(size: number): void {
    if (size <= this.size) return;
    this.size = size;
    if (size <= this.status.length) return;
    let cap = this.status.length;
    while (cap < size) cap *= 2;
    const widen = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    this.status = widen(this.status);
    this.attempts = widen(this.attempts);
    this.live = widen(this.live);
    this.winner = widen(this.winner);
  }
}

const NAMES = ['pending', 'pending', 'running', 'done', 'failed'] as const satisfies readonly (keyof TaskTable['counts'])[];
