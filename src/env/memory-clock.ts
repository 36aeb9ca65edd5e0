// A clock that moves only when told to: advance(ms) fires due timers in order of due time, then
// of creation, each at its own due time, so code under test sees exactly the times it asked for.
import type { Clock, TimerHandle } from './ports.js';

interface ManualTimer {
  dueMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  /** Pending timers sorted by (dueMs, seq); a sorted array is plenty for tests. */
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.timers.length;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const t: ManualTimer = { dueMs: this.nowMs + (delayMs > 0 ? delayMs : 0), seq: this.seq++, fn, cancelled: false };
    const timers = this.timers;
    let i = timers.length;
    while (i > 0 && timers[i - 1]!.dueMs > t.dueMs) i--;
    timers.splice(i, 0, t);
    return t as unknown as TimerHandle;
  }

  cancel(handle: TimerHandle): void {
    const t = handle as unknown as ManualTimer;
    if (typeof t !== 'object' || t === null) return;
    t.cancelled = true;
    const i = this.timers.indexOf(t);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Move time forward by ms, firing every timer that falls due on the way (also ones they set). */
  advance(ms: number): void {
    const target = this.nowMs + Math.max(0, ms);
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.dueMs > target) break;
      this.timers.shift();
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      if (!next.cancelled) next.fn();
    }
    this.nowMs = target;
  }

  /** Fire timers until none is left or maxTimers fired; returns how many fired. */
  runAll(maxTimers = 100_000): number {
    let fired = 0;
    while (this.timers.length > 0 && fired < maxTimers) {
      const next = this.timers.shift()!;
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      if (!next.cancelled) {
        fired++;
        next.fn();
      }
    }
    return fired;
  }
}
