// Requests in flight: message ids, reply matching by `re`, and timeouts on the Env clock, so that
// every promise is settled by an Env event (a reply or a timer) and the simulator stays exact.
import { MID_SPACE, type Envelope } from '../core/envelope.js';
import { CumulusError, TimeoutError } from '../core/errors.js';
import type { PeerId } from '../core/id.js';
import type { Clock, Rng, TimerHandle } from '../env/ports.js';

interface Pending {
  svc: string;
  op: string;
  /** When the request went to a given peer, only that peer may answer it. */
  peer: PeerId | null;
  timer: TimerHandle;
  done: ReplyCallback;
}

/** How a request ends: (null, reply) or (error). Called exactly once, from an Env event. */
export type ReplyCallback = (e: Error | null, env?: Envelope) => void;

export class RequestTooManyError extends CumulusError {
  constructor(max: number) {
    super('REFUSED', `more than ${max} requests in flight`, { max });
  }
}

export class RingStoppedError extends CumulusError {
  constructor() {
    super('CANCELLED', 'the ring was stopped');
  }
}

export class Requests {
  private readonly pending = new Map<number, Pending>();
  private nextMid: number;
  /** Replies that matched nothing (late, duplicate or forged). */
  unmatched = 0;
  timeouts = 0;

  constructor(
    private readonly clock: Clock,
    rng: Rng,
    private readonly maxPending: number,
  ) {
    this.nextMid = rng.int(MID_SPACE);
  }

  /** A fresh message id; ids wrap after 2^32 messages, long after any reply could be pending. */
  mid(): number {
    const m = this.nextMid;
    this.nextMid = (this.nextMid + 1) % MID_SPACE;
    return m;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Register a request with message id `mid`; false (and no callback) when too many are in flight. */
  open(mid: number, svc: string, op: string, peer: PeerId | null, timeoutMs: number, done: ReplyCallback): boolean {
    if (this.pending.size >= this.maxPending) return false;
    const timer = this.clock.setTimer(timeoutMs, () => {
      if (this.pending.delete(mid)) {
        this.timeouts++;
        done(new TimeoutError(`${svc}/${op}`, timeoutMs));
      }
    });
    this.pending.set(mid, { svc, op, peer, timer, done });
    return true;
  }

  /** Settle the request this reply answers; false when it answers nothing we wait for. */
  settle(env: Envelope): boolean {
    const p = env.re === undefined ? undefined : this.pending.get(env.re);
    if (!p || p.svc !== env.svc || p.op !== env.op || (p.peer !== null && p.peer !== env.src)) {
      this.unmatched++;
      return false;
    }
    this.pending.delete(env.re!);
    this.clock.cancel(p.timer);
    p.done(null, env);
    return true;
  }

  /** Fail one request at once (no route), instead of waiting for its timer. */
  fail(mid: number, e: Error): void {
    const p = this.pending.get(mid);
    if (!p) return;
    this.pending.delete(mid);
    this.clock.cancel(p.timer);
    p.done(e);
  }

  /** Fail at once every request sent to `peer` alone: its link failed, so no answer will come. */
  failPeer(peer: PeerId, e: Error): void {
    for (const [mid, p] of this.pending) if (p.peer === peer) this.fail(mid, e);
  }

  /** Fail every request in flight (the ring stopped). */
  cancelAll(e: Error): void {
    for (const mid of [...this.pending.keys()]) this.fail(mid, e);
  }
}
