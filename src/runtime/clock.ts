// The real Clock: a monotonic reading (performance.now, which never goes backwards when the wall
// clock is adjusted) and the platform's timers. Works unchanged in Node and in a browser.
import type { Clock, TimerHandle } from '../env/ports.js';

export interface RealClockOptions {
  /**
   * In Node, let pending timers not keep the process alive. Long-lived peers want the default
   * (false); tests and short CLI commands may set it so a forgotten timer cannot hang them.
   */
  unref?: boolean;
}

/** Our handle: the platform timer currently pending for it, replaced when we re-arm. */
interface RealTimer {
  t: ReturnType<typeof setTimeout> | null;
}

export class RealClock implements Clock {
  private readonly unref: boolean;

  constructor(opts: RealClockOptions = {}) {
    this.unref = opts.unref ?? false;
  }

  now(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0;
    const dueMs = this.now() + delay;
    const handle: RealTimer = { t: null };
    // Node's timers run on the event loop's cached time and may fire a fraction of a millisecond
    // before performance.now() says the delay has passed; re-arm for the rest so that a timer
    // never fires before its time as this clock reads it.
    const arm = (ms: number) => {
      handle.t = setTimeout(() => {
        const left = dueMs - this.now();
        if (left > 0) return arm(Math.ceil(left));
        handle.t = null;
        fn();
      }, ms);
      const t = handle.t as unknown as { unref?: () => void };
      if (this.unref && typeof t.unref === 'function') t.unref();
    };
    arm(delay);
    return handle as unknown as TimerHandle;
  }

  cancel(handle: TimerHandle): void {
    const h = handle as unknown as RealTimer;
    if (h && h.t !== null) {
      clearTimeout(h.t);
      h.t = null;
    }
  }
}
