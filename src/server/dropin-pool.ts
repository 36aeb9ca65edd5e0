// The gateway's front of one resource's semaphore. The gateway is one solicitor for every page of
// a site, so when a page gives back its slot while another page of the same resource waits, the
// lease is handed straight to the waiting page instead of going back to the owner and returning
// with the next grant: the owner still counts it as one lease of ours, held a little longer, so
// the capacity bound is the owner's as before, and a hand-over costs no ring messages. A lease is
// handed over at most MAX_HANDOVERS times, then given back so that other solicitors queued at the
// owner get their turn. A lease given back while no page waits is kept for LINGER_MS, so that the
// site's next submit is granted at once instead of after a ring round trip (the owner still counts
// it as ours; it is renewed as any held lease). Pages wait here in arrival order; the pool asks the
// ring for a lease only while it holds fewer than the capacity.
import type { TimerHandle, Clock } from '../env/ports.js';
import type { CoordLease } from '../services/coord/lease.js';
import type { DropinReason } from '../services/coord/dropin-wire.js';

/** Pages of one resource a lease serves in turn before it goes back to the owner. */
export const MAX_HANDOVERS = 8;
/**
 * How long a lease no page uses is kept before it goes back to the owner. A site's submits come in
 * bursts, and asking the ring again costs a round trip to the owner and its replicas (60 ms at the
 * median on a loaded 2-core machine, over a second at the 90th percentile); other solicitors of the
 * same resource wait at most this much longer for it.
 */
export const LINGER_MS = 2000;
/** Pages waiting for one resource at this gateway; more are refused as the owner would refuse them. */
export const MAX_POOL_WAITERS = 1000;
/**
 * How long a page's request may be asked again after the ring failed to decide (a request timed
 * out, the owner was moving): at least this, or the page's own wait when longer. A throttle
 * (waiting 0) means "refuse at once when full", not "give up on a slow answer": failing it on a
 * transient would send the form unguarded (fail open) while Cumulus is up. The page gives the
 * gateway its wait plus 5 s (web/dropin-link.ts, VERDICT_MARGIN_MS) before it stops listening.
 */
export const TRANSIENT_RETRY_MS = 3000;
/** Pause before asking again after a transient failure, so a moving owner is not asked in a loop. */
export const TRANSIENT_BACKOFF_MS = 250;
/** Reasons the ring gives when it could not decide, as opposed to a verdict (full, wait-expired, …). */
const TRANSIENT: ReadonlySet<DropinReason> = new Set(['timeout', 'unavailable']);

export interface Slot {
  readonly lease: CoordLease;
  uses: number;
}

interface Waiter {
  deadlineMs: number;
  /** Until when a transient failure is asked again, and not before when (a backoff). */
  retryUntilMs: number;
  retryAtMs: number;
  throttle: boolean;
  asking: boolean;
  timer: TimerHandle | undefined;
  resolve(r: Slot | DropinReason): void;
}

export class ResourcePool {
  private readonly slots = new Set<Slot>();
  /** Held slots no page uses, each with the timer that gives it back to the owner. */
  private readonly spare = new Map<Slot, TimerHandle>();
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

  /** What the dashboard shows of this resource: leases pages hold, spare ones, pages queued, asks out. */
  view(): { capacity: number; held: number; spare: number; waiting: number; asking: number } {
    return { capacity: this.capacity, held: this.slots.size - this.spare.size, spare: this.spare.size, waiting: this.waiters.length, asking: this.asking };
  }

  /** A slot within waitMs, or the reason there is none; cancel() withdraws the request. */
  acquire(waitMs: number): { result: Promise<Slot | DropinReason>; cancel(): void } {
    let w: Waiter | undefined;
    const result = new Promise<Slot | DropinReason>((resolve) => {
      if (this.waiters.length >= MAX_POOL_WAITERS) return resolve('server-busy');
      const now = this.clock.now();
      w = { deadlineMs: now + waitMs, retryUntilMs: now + Math.max(waitMs, TRANSIENT_RETRY_MS), retryAtMs: 0, throttle: waitMs === 0, asking: false, timer: undefined, resolve };
      this.waiters.push(w);
      this.pump();
      this.park(w);
    });
    return { result, cancel: () => w && this.settle(w, 'cancelled') };
  }

  /**
   * A page is done with its slot: hand it to the next waiting page, or keep it spare for LINGER_MS
   * when none waits, or give it back to the owner once it has served MAX_HANDOVERS pages.
   */
  release(slot: Slot): void {
    if (!this.slots.has(slot) || this.spare.has(slot)) return;
    if (slot.uses >= MAX_HANDOVERS || !slot.lease.isValid()) return this.giveBack(slot);
    const next = this.waiters[0];
    if (next) {
      slot.uses++;
      return this.settle(next, slot);
    }
    this.spare.set(slot, this.clock.setTimer(LINGER_MS, () => this.giveBack(slot)));
  }

  /** The owner lost the lease (renewals failed): it no longer counts here either. */
  lost(slot: Slot): void {
    this.unspare(slot);
    this.slots.delete(slot);
    this.pump();
  }

  /** Give every spare lease back (the gateway stops). */
  close(): void {
    for (const slot of [...this.spare.keys()]) this.giveBack(slot);
  }

  private giveBack(slot: Slot): void {
    this.unspare(slot);
    this.slots.delete(slot);
    void slot.lease.release();
    this.pump();
  }

  private unspare(slot: Slot): void {
    const timer = this.spare.get(slot);
    if (timer === undefined) return;
    this.clock.cancel(timer);
    this.spare.delete(slot);
  }

  /** A spare slot still valid, taken out of the spare set; expired ones are given back on the way. */
  private takeSpare(): Slot | undefined {
    for (const slot of [...this.spare.keys()]) {
      this.unspare(slot);
      if (slot.lease.isValid()) return slot;
      this.slots.delete(slot);
      void slot.lease.release();
    }
    return undefined;
  }

  /**
   * A waiter pump did not ask for: every slot is taken and asked for. A throttle (waiting 0) is
   * refused at once; a queued page waits here for a hand-over or the ring's grant until its deadline.
   */
  private park(w: Waiter): void {
    if (!this.waiters.includes(w) || w.asking || w.timer !== undefined) return;
    if (w.throttle) return this.settle(w, 'full');
    w.timer = this.clock.setTimer(Math.max(0, w.deadlineMs - this.clock.now()), () => this.settle(w, 'wait-expired'));
  }

  /** Ask the ring for the first waiters without a request out, while we hold fewer than the capacity. */
  private pump(): void {
    while (this.spare.size > 0 && this.waiters.length > 0) {
      const slot = this.takeSpare();
      if (!slot) break;
      slot.uses++;
      this.settle(this.waiters[0]!, slot);
    }
    const now = this.clock.now();
    for (const w of this.waiters) {
      if (this.slots.size + this.asking >= this.capacity) return;
      if (w.asking || w.retryAtMs > now) continue;
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

  /** A lease the ring granted for w: w's if it still waits, else the next waiter's, else spare. */
  private granted(w: Waiter, lease: CoordLease): void {
    this.asking--;
    const slot: Slot = { lease, uses: 1 };
    this.slots.add(slot);
    const to = this.waiters.includes(w) ? w : this.waiters[0];
    if (to && lease.isValid()) return this.settle(to, slot);
    this.release(slot);
  }

  private refused(w: Waiter, reason: DropinReason): void {
    this.asking--;
    if (this.waiters.includes(w)) {
      w.asking = false;
      const now = this.clock.now();
      // The ring could not decide: ask again after a pause while w's retry time allows.
      if (TRANSIENT.has(reason) && now + TRANSIENT_BACKOFF_MS < w.retryUntilMs) {
        w.retryAtMs = now + TRANSIENT_BACKOFF_MS;
        w.timer = this.clock.setTimer(TRANSIENT_BACKOFF_MS, () => {
          w.timer = undefined;
          this.pump();
          this.park(w);
        });
      } else {
        // The owner queued w as long as w may wait: its verdict is w's. Hand-overs had their chance.
        this.settle(w, reason);
      }
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
