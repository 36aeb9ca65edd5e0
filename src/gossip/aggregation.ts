// Aggregation: push-pull averaging in epochs (Jelasity, Montresor, Babaoglu 2005). Every
// EXCHANGE_PERIOD_MS a peer averages its state with a random peer from its sample; every EPOCH_MS
// the state restarts from the peers' own values, so a peer that left mid-epoch (taking its share
// of the mass) skews at most the epoch it left in. A peer shows the results of the last epoch it
// finished. Epochs spread like rumours: a peer that hears of a later epoch closes its own and
// joins it, so the earliest timer in the network sets the pace and clocks need not agree.
import type { Envelope } from '../core/envelope.js';
import type { Clock, Rng, TimerHandle } from '../env/ports.js';
import type { RingPort } from '../overlay/port.js';
import { absorb, adopt, initialState, settle, sizeOf, snapshot, type AggState } from './agg-state.js';
import { ATTRIBUTE_LIMITS, boundsOf, clampAttribute, clampAttributes, toVector, TRIM_MARGIN, fromVector, type AttributeName, type Attributes } from './attributes.js';
import { EPOCH_MS, EXCHANGE_PERIOD_MS, LATE_JOIN_MS, MAX_EPOCH_AGE_MS, MAX_PENDING_EXCHANGES, MIN_EXCHANGES_TO_SHOW } from './constants.js';
import { decileOf, endsOf, initialBrackets, logValue, narrow, type Bracket } from './quantiles.js';
import type { AggMsg } from './schemas.js';
import type { GossipCounters } from './stats.js';
import type { PeerId } from '../core/id.js';

/** What a peer knows of the whole cloud after an epoch. */
export interface Estimates {
  epoch: number;
  /** Peers in the cloud. */
  size: number;
  /** Per attribute: the mean over peers, the total (mean × size) and the largest value. */
  mean: Attributes;
  sum: Attributes;
  max: Attributes;
  /** This peer's decile by the slicing attribute: 0 the lowest tenth, 9 the top tenth. */
  decile: number;
  /** The slicing attribute's decile thresholds (values, not logs): the midpoints of the brackets. */
  thresholds: number[];
}

export interface AggregationDeps {
  ring: RingPort;
  clock: Clock;
  rng: Rng;
  counters: GossipCounters;
  /** This peer's attributes now; read at the start of each epoch. */
  attributes: () => Attributes;
  /** A partner for the next exchange (from the peer sample). */
  partner: () => PeerId | undefined;
  /** The attribute slices rank peers by. */
  sliceBy: AttributeName;
  /** Trim contributions by the last epoch's means (attributes.ts); off only to measure what it saves. */
  trim: boolean;
}

const LIMIT_VECTOR = toVector(ATTRIBUTE_LIMITS);

export class Aggregation {
  private state: AggState | null = null;
  private sliceU = 0;
  /** This epoch's bound on every received mean (trimming, see attributes.ts). */
  private received: number[] = toVector(boundsOf(null));
  private brackets: Bracket[];
  private last: Estimates | null = null;
  /** Exchanges we started and await the reply of: nonce → what we sent. */
  private readonly pending = new Map<number, AggMsg>();
  private nonce = 0;
  /** Exchanges applied in the current epoch (MIN_EXCHANGES_TO_SHOW), and when it began here. */
  private exchanges = 0;
  private startedMs = 0;
  /** Joined the current epoch late: copies states, is not averaged with (LATE_JOIN_MS). */
  private passive = false;
  private exchangeTimer: TimerHandle | null = null;
  private epochTimer: TimerHandle | null = null;
  /** The timer's callback, made once rather than a closure per period. */
  private readonly onTick = (): void => this.tick();

  constructor(private readonly deps: AggregationDeps) {
    this.brackets = initialBrackets(ATTRIBUTE_LIMITS[deps.sliceBy]);
  }

  /** The estimates of the last epoch this peer finished, or null before its first. */
  estimates(): Estimates | null {
    return this.last;
  }

  start(): void {
    if (this.exchangeTimer !== null) return;
    this.begin(0, 0, false);
    this.exchangeTimer = this.deps.clock.setTimer(this.deps.rng.int(EXCHANGE_PERIOD_MS), this.onTick);
  }

  stop(): void {
    if (this.exchangeTimer !== null) this.deps.clock.cancel(this.exchangeTimer);
    if (this.epochTimer !== null) this.deps.clock.cancel(this.epochTimer);
    this.exchangeTimer = this.epochTimer = null;
    this.pending.clear();
  }

  private tick(): void {
    this.exchangeTimer = this.deps.clock.setTimer(EXCHANGE_PERIOD_MS, this.onTick);
    const partner = this.deps.partner();
    if (!partner || !this.state) return;
    const n = (this.nonce = (this.nonce + 1) >>> 0);
    const msg = snapshot(this.state, n, this.age(), this.passive);
    if (this.pending.size >= MAX_PENDING_EXCHANGES) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(n, msg);
    if (this.deps.ring.send(partner, 'gossip', 'agg', msg)) this.deps.counters.sent++;
  }

  /**
   * Close the current epoch (if any) and start `epoch` from this peer's own values; `ageMs` is how
   * long ago the epoch began elsewhere, and `lead` whether this peer starts a counting instance.
   */
  private begin(epoch: number, ageMs: number, lead: boolean): void {
    if (this.state && this.exchanges >= MIN_EXCHANGES_TO_SHOW) this.finish(this.state);
    this.exchanges = 0;
    this.passive = !lead && ageMs > LATE_JOIN_MS;
    this.startedMs = this.deps.clock.now() - ageMs;
    const lastMean = this.deps.trim ? (this.last?.mean ?? null) : null;
    const bounds = boundsOf(lastMean);
    this.received = toVector(bounds).map((b, i) => (lastMean === null ? b : Math.min(LIMIT_VECTOR[i]!, b * TRIM_MARGIN)));
    const raw = this.deps.attributes();
    const own = clampAttributes(raw, bounds);
    // Peers are ranked by their value within the limit, untrimmed: trimming is for sums.
    this.sliceU = logValue(clampAttribute(this.deps.sliceBy, raw[this.deps.sliceBy]));
    this.state = initialState(epoch, own, this.deps.rng.next(), endsOf(this.brackets), this.sliceU, lead);
    this.pending.clear();
    if (this.epochTimer !== null) this.deps.clock.cancel(this.epochTimer);
    this.epochTimer = this.deps.clock.setTimer(EPOCH_MS - ageMs, () => this.begin(epoch + 1, 0, true));
  }

  private finish(s: AggState): void {
    this.brackets = narrow(s.ends, s.below, logValue(ATTRIBUTE_LIMITS[this.deps.sliceBy]));
    const size = sizeOf(s);
    if (size === null) return;
    const mean = fromVector(s.avg);
    const sum = fromVector(s.avg.map((x) => x * size));
    const thresholds = this.brackets.map((b) => Math.expm1((b.lo + b.hi) / 2));
    this.last = { epoch: s.epoch, size, mean, sum, max: fromVector(s.max), decile: decileOf(this.sliceU, this.brackets), thresholds };
  }

  /** Move to a later epoch a partner is in; true when the message is of the current epoch now. */
  private catchUp(epoch: number, ageMs: number): boolean {
    if (!this.state) return false;
    if (epoch > this.state.epoch) this.begin(epoch, Math.min(ageMs, EPOCH_MS), false);
    return epoch === this.state.epoch;
  }

  /**
   * A partner's exchange: reply with our state from before, then average (or, when we are
   * passive, take its state; when it is, leave ours as it is).
   */
  onExchange(env: Envelope, msg: AggMsg): void {
    // The message is read as the body it carries (its extra fields n, ageMs and passive are
    // ignored by the exchange arithmetic), and never written to.
    if (!this.catchUp(msg.epoch, msg.ageMs) || !this.state) {
      // An older epoch: answer with ours so that the sender catches up.
      if (this.state) this.reply(env, msg.n);
      return;
    }
    this.reply(env, msg.n);
    if (this.passive) adopt(this.state, msg, this.received);
    else if (msg.passive === true) return;
    else absorb(this.state, msg, this.sliceU, this.received);
    this.exchanges++;
  }

  onReply(msg: AggMsg): void {
    const sent = this.pending.get(msg.n);
    this.pending.delete(msg.n);
    if (!this.catchUp(msg.epoch, msg.ageMs) || !this.state || !sent || sent.epoch !== msg.epoch) return;
    if (this.passive) adopt(this.state, msg, this.received);
    else if (msg.passive === true) return;
    else settle(this.state, sent, msg, this.sliceU, this.received);
    this.exchanges++;
  }

  /** How long ago the current epoch began, as this peer knows it. */
  private age(): number {
    return Math.max(0, Math.min(MAX_EPOCH_AGE_MS, Math.round(this.deps.clock.now() - this.startedMs)));
  }

  /** Answer an exchange with our state as it is (before we average with what it brought). */
  private reply(env: Envelope, n: number): void {
    if (!this.state) return;
    if (this.deps.ring.send(env.src, 'gossip', 'agg-rep', snapshot(this.state, n, this.age(), this.passive))) this.deps.counters.sent++;
  }
}
