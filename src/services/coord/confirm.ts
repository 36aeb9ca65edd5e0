// Predecessor confirmation: an owner grants and renews only while its predecessor confirms, for a
// short promise period, that the owner is its successor. Chord decides ownership by predecessor
// pointers, and after a partition heals two peers can both point at the same predecessor and both
// believe they own the keys after it. The predecessor has one successor at a time, and it promises
// a new successor nothing until its promise to the old one has run out; it then tells the new one
// how long to stay quiet so that every lease the old one granted under that promise has expired.
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import { checkedBody } from './checked.js';
import type { PeerId } from '../../core/id.js';
import type { Clock } from '../../env/ports.js';
import { CLOCK_DRIFT_FRACTION, CONFIRM_MS, COORD_SVC, MAX_CONFIRM_PROMISES, TAKEOVER_MARGIN_MS } from './constants.js';
import type { CoordSettings } from './settings.js';
import { ConfirmBody, ConfirmReply } from './messages.js';
import { stretch } from './resource.js';
import type { RingPort } from '../../overlay/port.js';
import type { CoordStats } from './stats.js';

interface Held {
  pred: PeerId;
  /** Our clock: the promise ends no earlier than this at the predecessor. */
  untilMs: number;
  /** Our clock: leases a previous successor granted may live until then. */
  quietUntilMs: number;
}

export class PredConfirm {
  private held: Held | undefined;
  private asking: Promise<void> | undefined;
  /** Predecessor side: promise end (our clock) per successor we confirmed recently. */
  private readonly promises = new Map<PeerId, number>();
  private readonly startedAtMs: number;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly config: Pick<CoordSettings, 'leaseMs' | 'rpcTimeoutMs'>,
    private readonly stats: CoordStats,
  ) {
    this.startedAtMs = clock.now();
  }

  /** Does our current predecessor confirm us right now? */
  confirmed(): boolean {
    const h = this.held;
    return h !== undefined && h.pred === this.ring.predecessor() && this.clock.now() < h.untilMs;
  }

  /** No grant before this time (our clock), even when confirmed. */
  get quietUntilMs(): number {
    return this.held?.quietUntilMs ?? 0;
  }

  /**
   * Resolve to confirmed() once a confirmation is held. A valid one is refreshed in the background
   * when half of it has run, so owners in steady use never wait for it.
   */
  ensure(): Promise<boolean> {
    const pred = this.ring.predecessor();
    if (pred === null || pred === this.ring.self) return Promise.resolve(false);
    const h = this.held;
    const fresh = h !== undefined && h.pred === pred && h.untilMs - this.clock.now() > CONFIRM_MS / 2;
    if (fresh) return Promise.resolve(this.confirmed());
    this.asking ??= this.ask(pred).finally(() => (this.asking = undefined));
    if (this.confirmed()) return Promise.resolve(true);
    return this.asking.then(() => this.confirmed());
  }

  private async ask(pred: PeerId): Promise<void> {
    const sentMs = this.clock.now();
    try {
      const env = await this.ring.request({ peer: pred }, COORD_SVC, 'confirm', {}, { timeoutMs: this.config.rpcTimeoutMs });
      const r = check(ConfirmReply, env.body, 'coord confirm reply');
      if (!r.ok || r.value.type !== 'confirmed') return void this.stats.confirmRefused++;
      const now = this.clock.now();
      const keepQuiet = this.held?.pred === pred ? this.held.quietUntilMs : 0;
      this.held = {
        pred,
        untilMs: sentMs + Math.floor(r.value.validMs * (1 - CLOCK_DRIFT_FRACTION)),
        quietUntilMs: Math.max(keepQuiet, r.value.quietMs > 0 ? now + stretch(r.value.quietMs) : 0),
      };
    } catch {
      this.stats.confirmRefused++;
    }
  }

  /** Predecessor side: confirm the asking peer if it is our successor and nobody else holds a promise. */
  onConfirm(env: Envelope): void {
    if (checkedBody(ConfirmBody, env, 'coord confirm body', this.ring, this.stats) === null) return;
    const src = env.src;
    const now = this.clock.now();
    const quietSpanMs = this.config.leaseMs + TAKEOVER_MARGIN_MS;
    for (const [p, until] of this.promises) if (until + quietSpanMs <= now) this.promises.delete(p);
    const refuse = (): void => void this.ring.reply(env, { type: 'refused' });
    if (this.ring.successors()[0] !== src) return refuse();
    // A previous incarnation of ours may have promised someone until CONFIRM_MS after our start.
    let quietEnd = this.startedAtMs + CONFIRM_MS;
    for (const [p, until] of this.promises) {
      if (p === src) continue;
      if (until > now) return refuse();
      quietEnd = Math.max(quietEnd, until);
    }
    if (!this.promises.has(src) && this.promises.size >= MAX_CONFIRM_PROMISES) return refuse();
    this.promises.set(src, now + CONFIRM_MS);
    this.ring.reply(env, { type: 'confirmed', validMs: CONFIRM_MS, quietMs: Math.max(0, Math.ceil(quietEnd + quietSpanMs - now)) });
  }
}
