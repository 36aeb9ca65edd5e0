// The keeper's attempt timeouts: one queue of deadlines per timeout length and one timer, for the
// earliest. Deadlines in one queue come in the order they were set (the clock only moves forward),
// so adding and expiring are O(1); an attempt that ended stays queued and is skipped when its
// deadline comes. (A timer per attempt cost a timer set and cancelled per task: a million of each
// for a million tasks.) Ended attempts are swept out when they outnumber the live ones, so a
// queue holds about the attempts out, whatever the timeout.
import type { PeerId } from '../../../core/id.js';
import type { Clock, TimerHandle } from '../../../env/ports.js';
import type { Journal } from './journal.js';

export interface Deadline {
  journal: Journal;
  phase: number;
  index: number;
  attempt: number;
  worker: PeerId;
  atMs: number;
}

/** Queued deadlines past which a queue is swept of ended attempts (when they are most of it). */
const SWEEP_AT = 4096;

interface Queue {
  items: Deadline[];
  head: number;
  /** Live items at the last sweep: the next sweep waits until the queue is twice that. */
  liveAtSweep: number;
}

export class Deadlines {
  private readonly queues = new Map<number, Queue>();
  private timer: TimerHandle | undefined;
  private timerAtMs = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly onExpired: (d: Deadline) => void,
  ) {}

  /** Is the attempt still out (not committed, failed or ended with its task)? */
  static live(d: Deadline): boolean {
    return d.journal.state.phases[d.phase]!.isLive(d.index, d.attempt);
  }

  add(d: Omit<Deadline, 'atMs'>, timeoutMs: number): void {
    let q = this.queues.get(timeoutMs);
    if (q === undefined) this.queues.set(timeoutMs, (q = { items: [], head: 0, liveAtSweep: 0 }));
    const atMs = this.clock.now() + timeoutMs;
    q.items.push({ ...d, atMs });
    if (q.items.length - q.head > Math.max(SWEEP_AT, 2 * q.liveAtSweep)) sweep(q);
    if (atMs < this.timerAtMs) this.arm(atMs);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
    this.timerAtMs = Infinity;
    this.queues.clear();
  }

  private arm(atMs: number): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timerAtMs = atMs;
    this.timer = this.clock.setTimer(Math.max(0, atMs - this.clock.now()), () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAtMs = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    for (const [timeoutMs, q] of this.queues) {
      while (q.head < q.items.length && q.items[q.head]!.atMs <= now) {
        const d = q.items[q.head++]!;
        if (Deadlines.live(d)) this.onExpired(d);
      }
      if (q.head === q.items.length) this.queues.delete(timeoutMs);
      else {
        if (q.head > SWEEP_AT && q.head * 2 > q.items.length) {
          q.items.splice(0, q.head);
          q.head = 0;
        }
        next = Math.min(next, q.items[q.head]!.atMs);
      }
    }
    if (next < Infinity && next < this.timerAtMs) this.arm(next);
  }
}

/** Drop the ended attempts of a queue, keeping the order of the rest. */
function sweep(q: Queue): void {
  q.items = q.items.slice(q.head).filter(Deadlines.live);
  q.head = 0;
  q.liveAtSweep = q.items.length;
}
