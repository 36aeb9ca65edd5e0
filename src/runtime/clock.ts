// The real Clock: a monotonic reading in wall-clock milliseconds (the process's start time plus
// performance.now, which never goes backwards when the wall clock is adjusted) and the platform's
// timers. Works unchanged in Node and in a browser.
//
// The port promises that timers fire in order of due time, then of creation. One platform timer
// per Clock timer cannot keep that promise: Node fires setTimeout callbacks on the event loop's
// cached millisecond time, which can be a fraction of a millisecond short of what
// performance.now() says is due, and a timer re-armed for the remainder then falls behind a later
// timer with the same due time. So this clock keeps its own heap ordered by (due, creation) and
// drives it with a single platform timer armed for the earliest entry: a timer can only run once
// every timer ordered before it has run.
import type { Clock, TimerHandle } from '../env/ports.js';

export interface RealClockOptions {
  /**
   * In Node, let pending timers not keep the process alive. Long-lived peers want the default
   * (false); tests and short CLI commands may set it so a forgotten timer cannot hang them.
   */
  unref?: boolean;
}

/** Our handle: one entry of the heap. */
interface RealTimer {
  dueMs: number;
  seq: number;
  fn: (() => void) | null;
}

/** Compact the heap once cancelled entries are over half of it and at least this many. */
const MIN_COMPACT = 64;

export class RealClock implements Clock {
  private readonly unref: boolean;
  private heap: RealTimer[] = [];
  private nextSeq = 0;
  /** Entries in the heap whose fn is still set (not cancelled, not fired). */
  private live = 0;
  private platform: ReturnType<typeof setTimeout> | null = null;
  private platformDueMs = Infinity;

  constructor(opts: RealClockOptions = {}) {
    this.unref = opts.unref ?? false;
  }

  now(): number {
    // The origin makes readings wall-clock milliseconds (a file's mtime must read as a date),
    // while performance.now() keeps them monotonic within the process.
    return performance.timeOrigin + performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0;
    const timer: RealTimer = { dueMs: this.now() + delay, seq: this.nextSeq++, fn };
    this.push(timer);
    this.live++;
    if (timer.dueMs < this.platformDueMs) this.arm();
    return timer as unknown as TimerHandle;
  }

  cancel(handle: TimerHandle): void {
    const t = handle as unknown as RealTimer;
    if (typeof t !== 'object' || t === null || t.fn === null || t.fn === undefined) return;
    t.fn = null;
    this.live--;
    if (this.live === 0) {
      // Nothing left to run: drop the platform timer so it cannot keep the process alive.
      this.heap = [];
      this.disarm();
    } else if (this.heap.length >= MIN_COMPACT && this.live * 2 < this.heap.length) {
      this.compact();
    }
  }

  /**
   * Run what is due, in heap order. Timers created meanwhile wait for the next platform timer
   * even when already due (delay 0), so a timer re-arming itself cannot starve the event loop.
   */
  private readonly fire = (): void => {
    this.platform = null;
    this.platformDueMs = Infinity;
    const nowMs = this.now();
    const before = this.nextSeq;
    try {
      for (;;) {
        const top = this.heap[0];
        if (top === undefined || top.dueMs > nowMs || top.seq >= before) break;
        this.pop();
        const fn = top.fn;
        if (fn === null) continue;
        top.fn = null;
        this.live--;
        fn();
      }
    } finally {
      // Even if a callback threw, the timers behind it stay scheduled.
      this.arm();
    }
  };

  /** Point the platform timer at the earliest pending entry (or at nothing). */
  private arm(): void {
    while (this.heap.length > 0 && this.heap[0]!.fn === null) this.pop();
    const top = this.heap[0];
    if (top === undefined) return this.disarm();
    if (this.platform !== null && this.platformDueMs === top.dueMs) return;
    this.disarm();
    // Platform timers have whole-millisecond resolution and may fire early on performance.now's
    // scale; fire() then finds nothing due yet and arms again for the remainder.
    this.platform = setTimeout(this.fire, Math.max(0, Math.ceil(top.dueMs - this.now())));
    this.platformDueMs = top.dueMs;
    const p = this.platform as unknown as { unref?: () => void };
    if (this.unref && typeof p.unref === 'function') p.unref();
  }

  private disarm(): void {
    if (this.platform !== null) clearTimeout(this.platform);
    this.platform = null;
    this.platformDueMs = Infinity;
  }

  private compact(): void {
    const kept = this.heap.filter((t) => t.fn !== null);
    this.heap = [];
    for (const t of kept) this.push(t);
  }

  private push(t: RealTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(t, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = t;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[c]!, last)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
  }
}

function before(a: RealTimer, b: RealTimer): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}
