// Peer sampling (Cyclon, Voulgaris et al. 2005): each peer keeps a small random view of live
// peers and, every period, swaps part of it with the oldest peer it holds. The oldest entry
// leaves the view when the shuffle starts, so an entry for a dead peer is dropped at its turn and
// never comes back from it; fresh entries (age 0) are made only by the peer they name, so the
// view fills with live peers. Messages travel over the ring port (routed to the peer's id), one
// way each: 'shuffle' and 'shuffle-rep', paired by a nonce.
import type { Envelope } from '../core/envelope.js';
import type { PeerId } from '../core/id.js';
import type { Clock, Rng, TimerHandle } from '../env/ports.js';
import type { RingPort } from '../overlay/port.js';
import { MAX_PENDING_SHUFFLES, SHUFFLE_LENGTH, SHUFFLE_PERIOD_MS, VIEW_SIZE, WARMUP_SHUFFLE_PERIOD_MS, WARMUP_SHUFFLES } from './constants.js';
import type { ShuffleMsg } from './schemas.js';
import { PeerView, type ViewEntry } from './view.js';
import type { GossipCounters } from './stats.js';

export interface SamplingDeps {
  ring: RingPort;
  clock: Clock;
  rng: Rng;
  counters: GossipCounters;
}

export class PeerSampling {
  readonly view: PeerView;
  /** Shuffles we started and await the reply of: nonce → what we sent. */
  private readonly pending = new Map<number, ViewEntry[]>();
  private nonce = 0;
  /** Shuffles started, for the faster first ones (WARMUP_SHUFFLES). */
  private shuffles = 0;
  private timer: TimerHandle | null = null;
  /** The timer's callback, made once rather than a closure per period. */
  private readonly onTick = (): void => this.tick();

  constructor(private readonly deps: SamplingDeps) {
    this.view = new PeerView(deps.ring.self, VIEW_SIZE);
  }

  start(): void {
    if (this.timer !== null) return;
    this.refill();
    // A random phase spreads the shuffles of peers started together over the period.
    this.timer = this.deps.clock.setTimer(this.deps.rng.int(WARMUP_SHUFFLE_PERIOD_MS), this.onTick);
  }

  stop(): void {
    if (this.timer !== null) this.deps.clock.cancel(this.timer);
    this.timer = null;
    this.pending.clear();
  }

  /** A random live-looking peer to talk to, or undefined while the view is empty. */
  partner(): PeerId | undefined {
    return this.view.random(this.deps.rng);
  }

  private tick(): void {
    this.shuffles = Math.min(WARMUP_SHUFFLES, this.shuffles + 1);
    this.timer = this.deps.clock.setTimer(this.shuffles < WARMUP_SHUFFLES ? WARMUP_SHUFFLE_PERIOD_MS : SHUFFLE_PERIOD_MS, this.onTick);
    this.shuffle();
  }

  /** The ring's neighbours seed an empty or thin view (a joiner's, or one that churn emptied). */
  private refill(): void {
    if (this.view.size >= SHUFFLE_LENGTH) return;
    const pred = this.deps.ring.predecessor();
    this.view.seed([...this.deps.ring.successors(), ...(pred ? [pred] : [])]);
  }

  shuffle(): void {
    this.view.age();
    this.refill();
    const partner = this.view.takeOldest();
    if (!partner) return;
    const sent = this.view.sample(this.deps.rng, SHUFFLE_LENGTH - 1);
    const wire = [{ p: this.deps.ring.self, a: 0 }, ...sent.map((e) => ({ p: e.peer, a: e.age }))];
    const n = (this.nonce = (this.nonce + 1) >>> 0);
    if (this.pending.size >= MAX_PENDING_SHUFFLES) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(n, sent);
    if (this.deps.ring.send(partner.peer, 'gossip', 'shuffle', { n, entries: wire } satisfies ShuffleMsg)) this.deps.counters.sent++;
  }

  /** A partner's shuffle: answer with a sample of ours, then merge what it sent. */
  onShuffle(env: Envelope, msg: ShuffleMsg): void {
    const received = msg.entries.map((e) => ({ peer: e.p, age: e.a }));
    const back = this.view.sample(this.deps.rng, SHUFFLE_LENGTH, env.src);
    const reply: ShuffleMsg = { n: msg.n, entries: back.map((e) => ({ p: e.peer, a: e.age })) };
    if (this.deps.ring.send(env.src, 'gossip', 'shuffle-rep', reply)) this.deps.counters.sent++;
    this.view.merge(received, back);
  }

  /** The answer to our shuffle: merge it in place of what we sent. A reply we no longer await is dropped. */
  onReply(msg: ShuffleMsg): void {
    const sent = this.pending.get(msg.n);
    if (!sent) return;
    this.pending.delete(msg.n);
    this.view.merge(
      msg.entries.map((e) => ({ peer: e.p, age: e.a })),
      sent,
    );
  }
}
