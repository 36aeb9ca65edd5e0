// The scheduler's view of its workers: the attempts each has out, the queue depth each last asked
// for, and the workers ready for a refill bucketed by load, so that the least loaded one is found
// in at most MAX_TASKS_PER_RUN steps whatever the ring's size (a scan of every worker per
// assignment made a million tasks on a thousand peers cost a billion steps). A worker is ready
// for a refill once half its queue is free, and the scheduler then gives it up to its room, or its
// share of the tasks waiting when they are fewer: while many wait, one run frame carries half a
// queue, instead of one frame a task as each task ends.
import type { PeerId } from '../../../core/id.js';
import { MAX_TASKS_PER_RUN } from './messages.js';

/** Queue depth a worker gets before it has reported one. */
export const INITIAL_DEPTH = 2;

/** What the pool knows of one worker, in one record so that a change costs one lookup. */
interface WorkerInfo {
  load: number;
  depth: number;
  member: boolean;
  /** The bucket it is in (its load when it is a member with room), or -1. */
  bucket: number;
}

export class WorkerPool {
  private readonly info = new Map<PeerId, WorkerInfo>();
  /** Members ready for a refill, by their load (below their depth, so below MAX_TASKS_PER_RUN); oldest in a bucket first. */
  private readonly buckets: Array<Set<PeerId>> = Array.from({ length: MAX_TASKS_PER_RUN }, () => new Set());
  private list: readonly PeerId[] | undefined;
  /** Members in the buckets. */
  private ready = 0;
  /** Workers that did not take their last frame, and until when they get none (few at a time: scanned on each expiry check). */
  private readonly shunned = new Map<PeerId, number>();
  /** The earliest end of a shun: before it, an expiry check costs nothing. */
  private nextShunEndMs = Infinity;

  /**
   * The workers the placement offers now. Re-indexing costs one step per worker, so it is done only
   * when the placement hands over a different array (a placement returns the same array while its
   * set of workers is unchanged).
   */
  setWorkers(list: readonly PeerId[]): void {
    if (list === this.list) return;
    this.list = list;
    for (const w of this.info.values()) {
      w.member = false;
      w.bucket = -1;
    }
    for (const b of this.buckets) b.clear();
    this.ready = 0;
    for (const p of list) {
      const w = this.get(p);
      w.member = true;
      this.place(p, w);
    }
  }

  /** Members ready for a refill. */
  readyCount(): number {
    return this.ready;
  }

  /** Attempts the worker may still be given before its queue is full. */
  roomOf(p: PeerId): number {
    const w = this.info.get(p);
    return w === undefined ? INITIAL_DEPTH : Math.max(0, w.depth - w.load);
  }

  hasRoom(p: PeerId): boolean {
    if (this.shunned.has(p)) return false;
    const w = this.info.get(p);
    return w === undefined || w.load < w.depth;
  }

  /** Give the worker nothing until untilMs. */
  shun(p: PeerId, untilMs: number): void {
    this.shunned.set(p, untilMs);
    this.nextShunEndMs = Math.min(this.nextShunEndMs, untilMs);
    this.place(p, this.get(p));
  }

  /** Shuns that ended by nowMs end: those workers are ready again. */
  expireShuns(nowMs: number): void {
    if (nowMs < this.nextShunEndMs) return;
    this.nextShunEndMs = Infinity;
    for (const [p, untilMs] of this.shunned) {
      if (untilMs > nowMs) {
        this.nextShunEndMs = Math.min(this.nextShunEndMs, untilMs);
        continue;
      }
      this.shunned.delete(p);
      this.place(p, this.get(p));
    }
  }

  /** The least loaded member ready for a refill, the one that waited longest among equals; undefined when none is. */
  least(): PeerId | undefined {
    for (const b of this.buckets) {
      if (b.size === 0) continue;
      return b.values().next().value;
    }
    return undefined;
  }

  /** A member with nothing out and not shunned, other than `not`; undefined when none is. */
  idle(not: PeerId): PeerId | undefined {
    for (const p of this.buckets[0]!) if (p !== not) return p;
    return undefined;
  }

  /** An attempt was given to the worker (+1) or ended (-1). */
  addLoad(p: PeerId, delta: number): void {
    const w = this.get(p);
    w.load = Math.max(0, w.load + delta);
    this.place(p, w);
  }

  /** The depth the worker asked for in its last reply. */
  setDepth(p: PeerId, depth: number): void {
    const w = this.get(p);
    w.depth = depth;
    this.place(p, w);
  }

  private get(p: PeerId): WorkerInfo {
    let w = this.info.get(p);
    if (w === undefined) this.info.set(p, (w = { load: 0, depth: INITIAL_DEPTH, member: false, bucket: -1 }));
    return w;
  }

  /** Put the worker in the bucket its load says, or in none when it is not ready for a refill or is no member. */
  private place(p: PeerId, w: WorkerInfo): void {
    const after = w.member && !this.shunned.has(p) && w.load <= w.depth - Math.ceil(w.depth / 2) ? w.load : -1;
    if (w.bucket === after) return;
    if (w.bucket >= 0 && this.buckets[w.bucket]!.delete(p)) this.ready--;
    if (after >= 0) {
      this.buckets[after]!.add(p);
      this.ready++;
    }
    w.bucket = after;
  }
}
