// The owner's structure for one resource: live leases, the FIFO of waiters, the fencing-token
// counter and the takeover block. Pure: time comes in as arguments and effects go out as return
// values, so every rule here is tested without a network (resource.test.ts).
import type { PeerId } from '../../core/id.js';
import { CLOCK_DRIFT_FRACTION, MAX_CAPACITY, MAX_QUEUE, MAX_REPLICATED_WAITERS, TOKEN_STEP } from './constants.js';
import { MAX_DURATION_MS } from './constants.js';
import type { RefuseReason, Snapshot } from './messages.js';

export interface LeaseRec {
  token: number;
  holder: PeerId;
  reqId: number;
  /** Owner-clock time the lease ends; always at or after the holder's own idea of its end. */
  expiresAtMs: number;
  /**
   * Another lineage issued a different lease with this same token (see absorb): this one must never
   * be told, or two holders would carry one fencing token.
   */
  clash?: boolean;
}

/** Is this the same lease (not merely the same token, which two lineages can both issue)? */
export function sameLease(a: { token: number; holder: string; reqId: number }, b: { token: number; holder: string; reqId: number }): boolean {
  return a.token === b.token && a.holder === b.holder && a.reqId === b.reqId;
}

export interface WaiterRec {
  reqId: number;
  holder: PeerId;
  /** Owner-clock time this owner first learned of the request (never before the holder sent it). */
  receivedAtMs: number;
  deadlineMs: number;
}

export interface Solicit {
  reqId: number;
  holder: PeerId;
  waitMs: number;
}

export type Decision =
  | { kind: 'grant'; lease: LeaseRec; validMs: number; fresh: boolean }
  | { kind: 'queued'; position: number }
  | { kind: 'refuse'; reason: RefuseReason };

export interface Promotion {
  waiter: WaiterRec;
  lease: LeaseRec;
  /** Lease time left counted from when the waiter's request was received (whole ms, rounded down). */
  validMs: number;
}

/** A duration read from a peer, stretched for clock drift so that it never ends early here. */
export function stretch(ms: number): number {
  return Math.ceil(ms * (1 + CLOCK_DRIFT_FRACTION)) + 1;
}

const clampDuration = (ms: number): number => Math.max(0, Math.min(MAX_DURATION_MS, Math.ceil(ms)));

export class ResourceState {
  readonly name: string;
  readonly capacity: number;
  owner: PeerId;
  /**
   * Drawn at random when this owner's state is created (fresh or adopted): it names one lineage of
   * copies. A restarted or returning owner starts a new one, so a replica holding the old lineage
   * treats its copies as another owner's and makes it absorb what the old one knew.
   */
  epoch: number;
  version = 0;
  /** The last fencing token issued; every grant takes the next one. */
  token: number;
  /** No new lease before this time: leases this owner cannot see may still be live. */
  blockedUntilMs: number;
  /**
   * Keyed by token, except leases absorbed from another lineage whose token clashes with one of
   * ours: those are kept under negative keys (counted, expiring, never released or renewed here).
   */
  readonly leases = new Map<number, LeaseRec>();
  private nextClashKey = -1;
  queue: WaiterRec[] = [];

  constructor(init: { name: string; capacity: number; owner: PeerId; epoch: number; token: number; blockedUntilMs: number }) {
    this.name = init.name;
    this.capacity = Math.min(init.capacity, MAX_CAPACITY);
    this.owner = init.owner;
    this.epoch = init.epoch;
    this.token = init.token;
    this.blockedUntilMs = init.blockedUntilMs;
  }

  isIdle(): boolean {
    return this.leases.size === 0 && this.queue.length === 0;
  }

  canIssue(nowMs: number): boolean {
    return nowMs >= this.blockedUntilMs && this.leases.size < this.capacity;
  }

  /** Drop leases past their end and waiters past their deadline; the waiters must be told. */
  expire(nowMs: number): { leases: LeaseRec[]; waiters: WaiterRec[] } {
    const leases: LeaseRec[] = [];
    for (const [key, l] of this.leases) {
      if (l.expiresAtMs > nowMs) continue;
      leases.push(l);
      this.leases.delete(key);
    }
    const waiters = this.queue.filter((w) => w.deadlineMs <= nowMs);
    if (waiters.length > 0) this.queue = this.queue.filter((w) => w.deadlineMs > nowMs);
    if (leases.length + waiters.length > 0) this.version++;
    return { leases, waiters };
  }

  /** Decide a CanI received at receivedAtMs (the handler runs at nowMs, the same instant or later). */
  request(req: Solicit, nowMs: number, receivedAtMs: number, leaseMs: number): Decision {
    for (const l of this.leases.values()) {
      if (l.holder !== req.holder || l.reqId !== req.reqId) continue;
      // A retry of a request already granted gets the same lease, valid from this retry's receipt,
      // but only while every lease we count fits the capacity: a lease absorbed from another
      // owner's copy may never have been told to anyone, and telling it now could exceed it.
      // A lease whose token another lineage also issued is never told.
      if (this.leases.size > this.capacity || l.clash) return { kind: 'refuse', reason: 'unavailable' };
      return { kind: 'grant', lease: l, validMs: Math.floor(l.expiresAtMs - receivedAtMs), fresh: false };
    }
    const at = this.queue.findIndex((w) => w.holder === req.holder && w.reqId === req.reqId);
    if (at >= 0) return { kind: 'queued', position: at };
    if (this.queue.length === 0 && this.canIssue(nowMs)) {
      const lease = this.issue(req.holder, req.reqId, nowMs, leaseMs);
      return { kind: 'grant', lease, validMs: Math.floor(lease.expiresAtMs - receivedAtMs), fresh: true };
    }
    if (req.waitMs === 0) return { kind: 'refuse', reason: this.leases.size >= this.capacity ? 'full' : 'unavailable' };
    if (this.queue.length >= MAX_QUEUE) return { kind: 'refuse', reason: 'full' };
    this.queue.push({ reqId: req.reqId, holder: req.holder, receivedAtMs, deadlineMs: receivedAtMs + req.waitMs });
    this.version++;
    return { kind: 'queued', position: this.queue.length - 1 };
  }

  /** A token someone was granted before: ours continue above it. */
  learnToken(token: number): void {
    if (token <= this.token) return;
    this.token = token;
    this.version++;
  }

  issue(holder: PeerId, reqId: number, nowMs: number, leaseMs: number): LeaseRec {
    this.token++;
    const lease: LeaseRec = { token: this.token, holder, reqId, expiresAtMs: nowMs + leaseMs };
    this.leases.set(lease.token, lease);
    this.version++;
    return lease;
  }

  /** Grant to the head of the queue while there is room; FIFO, so nobody overtakes a waiter. */
  promote(nowMs: number, leaseMs: number): Promotion[] {
    const out: Promotion[] = [];
    while (this.queue.length > 0 && this.canIssue(nowMs)) {
      const waiter = this.queue.shift()!;
      const lease = this.issue(waiter.holder, waiter.reqId, nowMs, leaseMs);
      out.push({ waiter, lease, validMs: Math.floor(lease.expiresAtMs - waiter.receivedAtMs) });
    }
    return out;
  }

  release(token: number, holder: PeerId): boolean {
    const l = this.leases.get(token);
    if (!l || l.holder !== holder) return false;
    this.leases.delete(token);
    this.version++;
    return true;
  }

  /** Extend a live lease from this receipt; undefined when this owner does not know it (any more). */
  renew(token: number, holder: PeerId, nowMs: number, receivedAtMs: number, leaseMs: number): number | undefined {
    const l = this.leases.get(token);
    if (!l || l.holder !== holder || l.expiresAtMs <= nowMs) return undefined;
    l.expiresAtMs = Math.max(l.expiresAtMs, nowMs + leaseMs);
    this.version++;
    return Math.floor(l.expiresAtMs - receivedAtMs);
  }

  /** Undo a grant whose holder was never told (replication failed): over-counting elsewhere is safe. */
  revoke(token: number, lease?: LeaseRec): void {
    if (lease !== undefined && this.leases.get(token) !== lease) return;
    if (this.leases.delete(token)) this.version++;
  }

  /** Remove a waiter (its holder gave up or was refused). */
  dropWaiter(holder: PeerId, reqId: number): void {
    const before = this.queue.length;
    this.queue = this.queue.filter((w) => !(w.holder === holder && w.reqId === reqId));
    if (this.queue.length !== before) this.version++;
  }

  /** The next time something changes on its own: a lease ends, a wait runs out, the block lifts. */
  nextDeadlineMs(nowMs: number): number | undefined {
    let t = Infinity;
    for (const l of this.leases.values()) t = Math.min(t, l.expiresAtMs);
    for (const w of this.queue) t = Math.min(t, w.deadlineMs);
    if (this.blockedUntilMs > nowMs && this.queue.length > 0) t = Math.min(t, this.blockedUntilMs);
    return t === Infinity ? undefined : t;
  }

  snapshot(nowMs: number): Snapshot {
    return {
      name: this.name,
      capacity: this.capacity,
      owner: this.owner,
      epoch: this.epoch,
      version: this.version,
      token: this.token,
      blockedRemainingMs: clampDuration(this.blockedUntilMs - nowMs),
      leases: [...this.leases.values()].slice(0, 2 * MAX_CAPACITY).map((l) => ({ token: l.token, holder: l.holder, reqId: l.reqId, remainingMs: clampDuration(l.expiresAtMs - nowMs) })),
      waiters: this.queue.slice(0, MAX_REPLICATED_WAITERS).map((w) => ({ reqId: w.reqId, holder: w.holder, waitRemainingMs: clampDuration(w.deadlineMs - nowMs) })),
    };
  }

  /**
   * Become the owner from a copy (a replica or a handoff). Tokens jump by TOKEN_STEP so they never
   * go backwards; leases and waiters keep their remaining time, stretched for drift, and counted
   * from now, which is no earlier than when the copy was sent. blockedUntilMs is the caller's.
   */
  static adopt(snap: Snapshot, owner: PeerId, epoch: number, nowMs: number, blockedUntilMs: number): ResourceState {
    const r = new ResourceState({ name: snap.name, capacity: snap.capacity, owner, epoch, token: snap.token + TOKEN_STEP, blockedUntilMs });
    r.absorb(snap, nowMs);
    r.blockedUntilMs = Math.max(blockedUntilMs, nowMs + stretch(snap.blockedRemainingMs));
    return r;
  }

  /**
   * Union another copy into this state: every lease either side knows stays counted (counting a
   * lease twice only delays grants; missing one could break the capacity), and tokens move past
   * both. Used on adoption and when a replica or a handoff reveals leases this owner did not know.
   */
  absorb(snap: Snapshot, nowMs: number): void {
    if (snap.token >= this.token) this.token = snap.token + TOKEN_STEP;
    for (const l of snap.leases) {
      if (l.remainingMs <= 0) continue;
      const rec: LeaseRec = { token: l.token, holder: l.holder, reqId: l.reqId, expiresAtMs: nowMs + stretch(l.remainingMs) };
      const mine = this.leases.get(l.token);
      if (!mine) {
        this.leases.set(l.token, rec);
        continue;
      }
      if (sameLease(mine, rec)) continue;
      // Two lineages issued this token to different requests (an owner that started blank learned
      // the token below it from a solicitor while the real owner went on). Count both; ours must
      // never be told, since the other may have been.
      if ([...this.leases.values()].some((x) => sameLease(x, rec))) continue;
      mine.clash = true;
      this.leases.set(this.nextClashKey--, rec);
    }
    for (const w of snap.waiters) {
      if (this.queue.length >= MAX_QUEUE) break;
      if (this.queue.some((q) => q.holder === w.holder && q.reqId === w.reqId)) continue;
      if ([...this.leases.values()].some((l) => l.holder === w.holder && l.reqId === w.reqId)) continue;
      this.queue.push({ reqId: w.reqId, holder: w.holder, receivedAtMs: nowMs, deadlineMs: nowMs + w.waitRemainingMs });
    }
    this.version++;
  }
}
