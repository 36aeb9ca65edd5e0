// The scheduler's view of its workers: the attempts each has out, the queue depth each last asked
// for, and the workers with room bucketed by load, so that the least loaded worker with room is
// found in at most MAX_TASKS_PER_RUN steps whatever the ring's size (a scan of every worker per
// assignment made a million tasks on a thousand peers cost a billion steps).
import type { PeerId } from '../../../core/id.js';
import { MAX_TASKS_PER_RUN } from './messages.js';

/** Queue depth a worker gets before it has reported one. */
export const INITIAL_DEPTH = 2;

export class WorkerPool {
  private readonly load = new Map<PeerId, number>();
  private readonly depth = new Map<PeerId, number>();
  private readonly members = new Set<PeerId>();
  /** Members with room, by their load (always below their depth, so below MAX_TASKS_PER_RUN); oldest in a bucket first. */
  private readonly buckets: Array<Set<PeerId>> = Array.from({ length: MAX_TASKS_PER_RUN }, () => new Set());
  /** The bucket each member with room is in. */
  private readonly bucketOf = new Map<PeerId, number>();
  private list: readonly PeerId[] | undefined;

  /**
   * The workers the placement offers now. Re-indexing costs one step per worker, so it is done only
   * when the placement hands over a different array (a placement returns the same array while its
   * set of workers is unchanged).
   */
  setWorkers(list: readonly PeerId[]): void {
    if (list === this.list) return;
    this.list = list;
    this.members.clear();
    this.bucketOf.clear();
    for (const b of this.buckets) b.clear();
    for (const p of list) {
      this.members.add(p);
      this.place(p);
    }
  }

  loadOf(p: PeerId): number {
    return this.load.get(p) ?? 0;
  }

  hasRoom(p: PeerId): boolean {
    return this.loadOf(p) < (this.depth.get(p) ?? INITIAL_DEPTH);
  }

  /** The least loaded member with room, the one that waited longest among equals; undefined when none has room. */
  least(): PeerId | undefined {
    for (const b of this.buckets) {
      if (b.size === 0) continue;
      return b.values().next().value;
    }
    return undefined;
  }

  /** An attempt was given to the worker (+1) or ended (-1). */
  addLoad(p: PeerId, delta: number): void {
    this.load.set(p, Math.max(0, this.loadOf(p) + delta));
    this.place(p);
  }

  /** The depth the worker asked for in its last reply. */
  setDepth(p: PeerId, depth: number): void {
    this.depth.set(p, depth);
    this.place(p);
  }

  /** Put the worker in the bucket its load says, or in none when it has no room or is no member. */
  private place(p: PeerId): void {
    const before = this.bucketOf.get(p);
    const after = this.members.has(p) && this.hasRoom(p) ? this.loadOf(p) : undefined;
    if (before === after) return;
    if (before !== undefined) this.buckets[before]!.delete(p);
    if (after === undefined) this.bucketOf.delete(p);
    else {
      this.buckets[after]!.add(p);
      this.bucketOf.set(p, after);
    }
  }
}
