// The solicitor side: acquire a lease, keep it renewed, release it. A holder may use the resource
// from the moment a Grant arrives until the earlier of its release and its local lease end, which
// is counted from when it first SENT the request (first send + validMs, shaved for drift), so no
// message delay can make it outlive the owner's own record of the lease.
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import { CumulusError, TimeoutError } from '../../core/errors.js';
import type { Id, PeerId } from '../../core/id.js';
import { resourceKey } from './keys.js';
import { checkedBody } from './checked.js';
import type { Clock, Rng, TimerHandle } from '../../env/ports.js';
import { CLOCK_DRIFT_FRACTION, COORD_SVC, MAX_BATCH_ITEMS, MAX_BATCHES_IN_FLIGHT, MAX_OWNER_HINTS, MAX_PENDING_ACQUIRES, MAX_SEEN_TOKENS, RENEW_AT_FRACTION, RETRY_BACKOFF_MS } from './constants.js';
import type { CoordSettings } from './settings.js';
import { BatchReply, CanIReply, GrantBody, RETRYABLE, RefuseBody, RenewReply, type BatchItem, type BatchItemReply, type CanIAnswer, type RefuseReason } from './messages.js';
import { CoordLease, type LeaseHost } from './lease.js';
import type { RingPort } from '../../overlay/port.js';
import type { CoordStats } from './stats.js';

/** The owner said no (full, wait ran out, capacity mismatch …). */
export class CoordRefusedError extends CumulusError {
  constructor(name: string, readonly reason: RefuseReason) {
    super('REFUSED', `resource ${name}: ${reason}`, { name, reason });
  }
}

/** A queued request is re-sent this often, so a new owner learns of it after a failover. */
const POLL_INTERVAL_MS = 1000;

interface Outbox {
  items: Array<{ item: BatchItem; done(reply: BatchItemReply | undefined): void }>;
  /** Frames sent and not yet answered. */
  inFlight: number;
  flushQueued: boolean;
}

interface Pending {
  reqId: number;
  name: string;
  key: Id;
  capacity: number;
  waitMs: number;
  firstSentMs: number;
  deadlineMs: number;
  /** The last answer was 'queued': the owner holds our place and will push its verdict. */
  queued: boolean;
  timer: TimerHandle | undefined;
  resolve(lease: CoordLease): void;
  reject(e: Error): void;
}

export class Solicitor implements LeaseHost {
  private readonly pending = new Map<number, Pending>();
  /** The peer that last answered a CanI of ours per resource: where batches go; the oldest entries go first. */
  private readonly hints = new Map<string, PeerId>();
  private readonly outboxes = new Map<PeerId, Outbox>();
  /** Peers that answered a batch with an error: never sent batches again. */
  private readonly noBatch = new Set<PeerId>();
  /** Highest token granted to us per resource, sent with every CanI; the oldest entries go first. */
  private readonly seenTokens = new Map<string, number>();
  private nextReqId: number;

  constructor(
    readonly ring: RingPort,
    readonly clock: Clock,
    rng: Rng,
    private readonly config: Pick<CoordSettings, 'leaseMs' | 'rpcTimeoutMs'>,
    private readonly stats: CoordStats,
  ) {
    // Owners recognise retries by (peer, reqId). A restarted peer must not reuse the ids of its
    // previous life, or an owner would hand it a lease granted to the dead incarnation. The clock
    // separates incarnations (a restarted peer may replay the same random stream); the random low
    // bits separate peers that start at the same instant. 2^32 ms x 2^20 stays below 2^53.
    this.nextReqId = (Math.floor(clock.now()) % 2 ** 32) * 2 ** 20 + rng.int(2 ** 19);
  }

  acquire(name: string, capacity: number, waitMs: number): Promise<CoordLease> {
    if (this.pending.size >= MAX_PENDING_ACQUIRES) return Promise.reject(new CoordRefusedError(name, 'full'));
    const now = this.clock.now();
    return new Promise<CoordLease>((resolve, reject) => {
      const p: Pending = { reqId: this.nextReqId++, name, key: resourceKey(name), capacity, waitMs, firstSentMs: now, deadlineMs: now + waitMs, queued: false, timer: undefined, resolve, reject };
      this.pending.set(p.reqId, p);
      this.send(p);
    });
  }

  private send(p: Pending): void {
    const body = { name: p.name, capacity: p.capacity, waitMs: Math.max(0, Math.min(p.waitMs, Math.floor(p.deadlineMs - this.clock.now()))), reqId: p.reqId, seenToken: this.seenTokens.get(p.name) ?? 0 };
    const owner = this.hints.get(p.name);
    if (owner !== undefined) {
      // The peer that answered us last for this resource: batched with our other requests to it.
      return this.enqueue(owner, { op: 'can-i', body }, (reply) => {
        if (this.pending.get(p.reqId) !== p) return;
        // Answers are matched to items by position: one for another request is a broken frame.
        if (reply === undefined || reply.type === 'released' || reply.reqId !== p.reqId) {
          this.forgetOwner(p.name, owner);
          p.queued = false;
          return this.retryOrFail(p, new TimeoutError(`coord can-i ${p.name}`, this.config.rpcTimeoutMs));
        }
        this.onAnswer(p, reply, owner);
      });
    }
    this.ring
      .request(p.key, COORD_SVC, 'can-i', body, { timeoutMs: this.config.rpcTimeoutMs })
      .then((env) => this.onReply(p, env))
      .catch(() => this.retryOrFail(p, new TimeoutError(`coord can-i ${p.name}`, this.config.rpcTimeoutMs)));
  }

  private onReply(p: Pending, env: Envelope): void {
    if (this.pending.get(p.reqId) !== p) return;
    const r = check(CanIReply, env.body, 'coord can-i reply');
    if (!r.ok || r.value.type === 'error') {
      p.queued = false;
      return this.retryOrFail(p, r.ok ? new CoordRefusedError(p.name, 'unavailable') : r.error);
    }
    this.onAnswer(p, r.value, env.src);
  }

  /** An owner's checked answer to our CanI, from the peer `from`. */
  private onAnswer(p: Pending, v: CanIAnswer, from: PeerId): void {
    if (v.type === 'refused' && v.reason === 'not-owner') this.forgetOwner(p.name, from);
    else this.noteOwner(p.name, from);
    p.queued = v.type === 'queued';
    if (v.type === 'granted') return this.granted(p, v.token, v.validMs);
    if (v.type === 'queued') return this.wait(p, Math.min(p.deadlineMs, this.clock.now() + POLL_INTERVAL_MS));
    if (RETRYABLE.has(v.reason)) return this.retryOrFail(p, new CoordRefusedError(p.name, v.reason));
    this.settle(p, new CoordRefusedError(p.name, v.reason));
  }

  // ---- batches ------------------------------------------------------------------------------

  private noteOwner(name: string, owner: PeerId): void {
    if (this.hints.get(name) === owner || this.noBatch.has(owner)) return;
    this.hints.delete(name);
    this.hints.set(name, owner);
    if (this.hints.size > MAX_OWNER_HINTS) this.hints.delete(this.hints.keys().next().value as string);
  }

  private forgetOwner(name: string, owner: PeerId): void {
    if (this.hints.get(name) === owner) this.hints.delete(name);
  }

  /**
   * Queue an item for owner. Items queued in one turn go out together; while MAX_BATCHES_IN_FLIGHT
   * frames to that owner await their answer, more items wait and leave with the next frame, so a
   * busy solicitor sends few, full frames and an idle one sends at once.
   */
  private enqueue(owner: PeerId, item: BatchItem, done: (reply: BatchItemReply | undefined) => void): void {
    let box = this.outboxes.get(owner);
    if (!box) {
      box = { items: [], inFlight: 0, flushQueued: false };
      this.outboxes.set(owner, box);
    }
    box.items.push({ item, done });
    this.scheduleFlush(owner, box);
  }

  private scheduleFlush(owner: PeerId, box: Outbox): void {
    if (box.flushQueued || box.inFlight >= MAX_BATCHES_IN_FLIGHT || box.items.length === 0) return;
    box.flushQueued = true;
    // After the current turn's other work (a promise job, not a timer: no added delay).
    void Promise.resolve().then(() => {
      box.flushQueued = false;
      this.flush(owner, box);
    });
  }

  private flush(owner: PeerId, box: Outbox): void {
    while (box.inFlight < MAX_BATCHES_IN_FLIGHT && box.items.length > 0) {
      const batch = box.items.splice(0, MAX_BATCH_ITEMS);
      box.inFlight++;
      this.stats.batchesOut++;
      const finish = (replies: BatchItemReply[] | undefined): void => {
        box.inFlight--;
        for (let i = 0; i < batch.length; i++) batch[i]!.done(replies?.[i]);
        if (box.inFlight === 0 && box.items.length === 0) this.outboxes.delete(owner);
        else this.scheduleFlush(owner, box);
      };
      this.ring
        .request({ peer: owner }, COORD_SVC, 'batch', { items: batch.map((b) => b.item) }, { timeoutMs: this.config.rpcTimeoutMs })
        .then((env) => {
          const r = check(BatchReply, env.body, 'coord batch reply');
          if (r.ok && r.value.type === 'error') {
            // A peer that does not take batches (an older version): talk to it item by item.
            for (const [name, o] of [...this.hints]) if (o === owner) this.hints.delete(name);
            this.noBatch.add(owner);
            if (this.noBatch.size > MAX_OWNER_HINTS) this.noBatch.delete(this.noBatch.values().next().value as PeerId);
          }
          finish(r.ok && r.value.type === 'batch' && r.value.replies.length === batch.length ? r.value.replies : undefined);
        })
        .catch(() => finish(undefined));
    }
  }

  /** Retry after a backoff while the wait allows; a throttle (waitMs 0) fails at once. */
  private retryOrFail(p: Pending, e: Error): void {
    if (this.pending.get(p.reqId) !== p) return;
    if (this.clock.now() + RETRY_BACKOFF_MS >= p.deadlineMs) return this.settle(p, e);
    this.wait(p, this.clock.now() + RETRY_BACKOFF_MS);
  }

  /** Sleep until atMs, then re-send (same reqId, so the owner recognises it) or time out. */
  private wait(p: Pending, atMs: number): void {
    if (p.timer !== undefined) this.clock.cancel(p.timer);
    p.timer = this.clock.setTimer(Math.max(0, atMs - this.clock.now()), () => {
      p.timer = undefined;
      if (this.pending.get(p.reqId) !== p) return;
      const now = this.clock.now();
      if (now < p.deadlineMs) return this.send(p);
      // The owner's clock decides when a queued wait ends: it counts from when it received the
      // request, a little after we sent it, and then pushes a grant or a refusal. A solicitor that
      // gave up at its own deadline would turn away grants the owner issued in time (most grants,
      // under load, since the queue head is the request closest to its deadline), so it waits one
      // request's time longer for the verdict.
      const graceEndMs = p.deadlineMs + this.config.rpcTimeoutMs;
      if (p.queued && now < graceEndMs) return this.wait(p, graceEndMs);
      this.settle(p, new CoordRefusedError(p.name, 'wait-expired'));
    });
  }

  private granted(p: Pending, token: number, validMs: number): void {
    this.noteToken(p.name, token);
    const endMs = p.firstSentMs + Math.floor(validMs * (1 - CLOCK_DRIFT_FRACTION));
    if (endMs <= this.clock.now()) {
      // Worthless counted from our first send: give it back. The owner counted it from a receipt
      // of ours long after that send (we were queued again, or a new owner adopted our place), and
      // would count every later grant to this request the same way: so ask again as a new request,
      // whose grants count from its own send. Retrying the same request starved it until its wait ran out.
      void this.sendRelease(p.name, token, 1);
      return this.askAnew(p);
    }
    this.settle(p, new CoordLease(this, p.name, token, endMs));
  }

  /** Replace p by a new request (new reqId, counted from now) with the same deadline and promise. */
  private askAnew(p: Pending): void {
    if (this.pending.get(p.reqId) !== p) return;
    const now = this.clock.now();
    if (now + RETRY_BACKOFF_MS >= p.deadlineMs) return this.settle(p, new CoordRefusedError(p.name, 'wait-expired'));
    this.pending.delete(p.reqId);
    if (p.timer !== undefined) this.clock.cancel(p.timer);
    // A new object: late replies to the old request find it gone from `pending` and are ignored.
    const q: Pending = { ...p, reqId: this.nextReqId++, firstSentMs: now, queued: false, timer: undefined };
    this.pending.set(q.reqId, q);
    this.send(q);
  }

  private noteToken(name: string, token: number): void {
    const had = this.seenTokens.get(name) ?? -1;
    this.seenTokens.delete(name);
    this.seenTokens.set(name, Math.min(2 ** 52, Math.max(had, token)));
    if (this.seenTokens.size > MAX_SEEN_TOKENS) this.seenTokens.delete(this.seenTokens.keys().next().value as string);
  }

  private settle(p: Pending, outcome: CoordLease | Error): void {
    if (this.pending.get(p.reqId) !== p) return;
    this.pending.delete(p.reqId);
    if (p.timer !== undefined) this.clock.cancel(p.timer);
    if (outcome instanceof CoordLease) p.resolve(outcome);
    else p.reject(outcome);
  }

  /** A grant for a queued request, pushed by the owner. */
  onGrant(env: Envelope): void {
    const b = checkedBody(GrantBody, env, 'coord grant body', this.ring, this.stats);
    if (b === null) return;
    const p = this.pending.get(b.reqId);
    if (!p || p.name !== b.name) {
      this.stats.unwantedGrants++;
      return void this.ring.reply(env, { type: 'unwanted' });
    }
    this.ring.reply(env, { type: 'ok' });
    this.noteOwner(p.name, env.src);
    this.granted(p, b.token, b.validMs);
  }

  /** A queued request refused later (its wait ran out at the owner). */
  onRefuse(env: Envelope): void {
    const r = check(RefuseBody, env.body, 'coord refuse body');
    if (!r.ok) return void this.stats.badBodies++;
    const p = this.pending.get(r.value.reqId);
    if (p && p.name === r.value.name) this.settle(p, new CoordRefusedError(p.name, r.value.reason));
  }

  // ---- LeaseHost ----------------------------------------------------------------------------

  renewAtMs(startMs: number, endMs: number): number {
    return Math.max(this.clock.now(), endMs - this.config.leaseMs * (1 - RENEW_AT_FRACTION), startMs);
  }

  /** Ask the owner to extend; resolves to the new local end, or undefined when it would not. */
  async renew(name: string, token: number): Promise<number | undefined> {
    const sentMs = this.clock.now();
    try {
      const env = await this.ring.request(resourceKey(name), COORD_SVC, 'renew', { name, token }, { timeoutMs: this.config.rpcTimeoutMs });
      const r = check(RenewReply, env.body, 'coord renew reply');
      if (!r.ok || r.value.type !== 'renewed') return undefined;
      return sentMs + Math.floor(r.value.validMs * (1 - CLOCK_DRIFT_FRACTION));
    } catch {
      return undefined;
    }
  }

  /** Tell the owner; a lost release only delays others until the lease expires. */
  async sendRelease(name: string, token: number, attempts: number): Promise<void> {
    const owner = this.hints.get(name);
    if (owner !== undefined && attempts > 0) {
      // With the next batch to the owner that granted it; routed if that frame is lost.
      const reply = await new Promise<BatchItemReply | undefined>((resolve) => this.enqueue(owner, { op: 'release', body: { name, token } }, resolve));
      if (reply !== undefined) return;
      this.forgetOwner(name, owner);
      attempts--;
    }
    for (let i = 0; i < attempts; i++) {
      try {
        await this.ring.request(resourceKey(name), COORD_SVC, 'release', { name, token }, { timeoutMs: this.config.rpcTimeoutMs });
        return;
      } catch {
        // Try again; the owner may be moving.
      }
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get self(): PeerId {
    return this.ring.self;
  }
}
