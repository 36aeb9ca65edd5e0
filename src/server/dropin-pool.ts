// The gateway's front of one resource's semaphore. The gateway is one solicitor for every page of
// a site, so when a page gives back its slot while another page of the same resource waits, the
// lease is handed straight to the waiting page instead of going back to the owner and returning
// with the next grant: the owner still counts it as one lease of ours, held a little longer, so
// the capacity bound is the owner's as before, and a hand-over costs no ring messages. A lease is
// handed over at most MAX_HANDOVERS times, then given back so that other solicitors queued at the
// owner get their turn. Pages wait here in arrival order; the pool asks the ring for a lease only
// while it holds fewer than the capacity.
import type { TimerHandle, Clock } from '../env/ports.js';
import type { CoordLease } from '../services/coord/lease.js';
import type { DropinReason } from '../services/coord/dropin-wire.js';

/** Pages of one resource a lease serves in turn before it goes back to the owner. */
export const MAX_HANDOVERS = 8;
/** Pages waiting for one resource at this gateway; more are refused as the owner would refuse them. */
export const MAX_POOL_WAITERS = 1000;

export interface Slot {
  readonly lease: CoordLease;
  uses: number;
}

interface Waiter {
  deadlineMs: number;
  asking: boolean;
  timer: TimerHandle | undefined;
  resolve(r: Slot | DropinReason): void;
}

export class ResourcePool {
  private readonly slots = new Set<Slot>();
  private readonly waiters: Waiter[] = [];
  private asking = 0;

  constructor(
    readonly capacity: number,
    private readonly clock: Clock,
    /** Ask the ring for one lease, waiting up to waitMs; rejects with the refusal's reason. */
    private readonly ask: (waitMs: number) => Promise<CoordLease>,
    private readonly reasonOf: (e: unknown) => DropinReason,
  ) {}

  /** Nothing held, asked or waiting: the gateway may forget the pool. */
  get idle(): boolean {
    return this.slots.size === 0 && this.waiters.length === 0 && this.asking === 0;
  }

  /** A slot within waitMs, or the reason there is none; cancel() withdraws the request. */
  acquire(waitMs: number): { result: Promise<Slot | DropinReason>; cancel(): void } {
    let w: Waiter | undefined;
    const result = new Promise<Slot | DropinReason>((resolve) => {
      if (this.waiters.length >= MAX_POOL_WAITERS) return resolve('server-busy');
      w = { deadlineMs: this.clock.now() + waitMs, asking: false, timer: undefined, resolve };
      this.waiters.push(w);
      this.pump();
      // Still waiting after pump: every slot is taken and asked for. A throttle (waiting 0) is
      // refused at once; a queued page waits here for a hand-over or the ring's grant.
      if (!this.waiters.includes(w) || w.asking) return;
      const me = w;
      if (waitMs === 0) return this.settle(me, 'full');
      me.timer = this.clock.setTimer(waitMs, () => this.settle(me, 'wait-expired'));
    });
    return { result, cancel: () => w && this.settle(w, 'cancelled') };
  }

  /** A page is done with its slot: hand it to the next waiting page, or give it back to the owner. */
  release(slot: Slot): void {
    if (!this.slots.has(slot)) return;
    const next = this.waiters[0];
    if (next && slot.uses < MAX_HANDOVERS && slot.lease.isValid()) {
      slot.uses++;
      return this.settle(next, slot);
    }
    this.slots.delete(slot);
    void slot.lease.release();
    this.pump();
  }

  /** The owner lost the lease (renewals failed): it no longer counts here either. */
  lost(slot: Slot): void {
    this.slots.delete(slot);
    this.pump();
  }

  /** Ask the ring for the first waiters without a request out, while we hold fewer than the capacity. */
  private pump(): void {
    for (const w of this.waiters) {
      if (this.slots.size + this.asking >= this.capacity) return;
      if (w.asking) continue;
      w.asking = true;
      if (w.timer !== undefined) this.clock.cancel(w.timer);
      w.timer = undefined;
      this.asking++;
      this.ask(Math.max(0, Math.floor(w.deadlineMs - this.clock.now()))).then(
        (lease) => this.granted(w, lease),
        (e: unknown) => this.refused(w, this.reasonOf(e)),
      );
    }
  }

  /** A lease the ring granted for w: w's if it still waits, else the next waiter's, else given back. */
  private granted(w: Waiter, lease: CoordLease): void {
    this.asking--;
    const slot: Slot = { lease, uses: 1 };
    this.slots.add(slot);
    const to = this.waiters.includes(w) ? w : this.waiters[0];
    if (to && lease.isValid()) return this.settle(to, slot);
    this.slots.delete(slot);
    void lease.release();
    this.pump();
  }

  private refused(w: Waiter, reason: DropinReason): void {
    this.asking--;
    if (this.waiters.includes(w)) {
      w.asking = false;
      // The owner queued w as long as w may wait: its verdict is w's. Hand-overs had their chance.
      this.settle(w, reason);
    }
    this.pump();
  }

  private settle(w: Waiter, r: Slot | DropinReason): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    if (w.timer !== undefined) this.clock.cancel(w.timer);
    w.resolve(r);
  }
}
