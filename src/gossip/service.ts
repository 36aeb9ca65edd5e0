// The gossip layer of one peer: peer sampling and aggregation (with ordered slicing) over the
// ring port. It owns the 'gossip' service name on the ring, checks every body against its schema
// before a protocol reads it, and never throws from a handler: a bad message is counted and
// dropped (gossip messages are one-way, so there is no one to answer with an error).
import type { Static, TSchema } from '@sinclair/typebox';
import { check } from '../core/codec.js';
import type { Envelope } from '../core/envelope.js';
import type { Clock, Rng } from '../env/ports.js';
import type { RingPort } from '../overlay/port.js';
import { Aggregation, type Estimates } from './aggregation.js';
import { SLICE_ATTRIBUTE, type AttributeName, type Attributes } from './attributes.js';
import { GOSSIP_SVC } from './constants.js';
import { PeerSampling } from './sampling.js';
import { checkAggMsg, ShuffleMsg } from './schemas.js';
import { emptyCounters, type GossipCounters } from './stats.js';

export interface GossipOptions {
  ring: RingPort;
  clock: Clock;
  rng: Rng;
  /** This peer's attributes now (clamped to their limits before use). */
  attributes: () => Attributes;
  /** The attribute slices rank peers by; uptime when absent. */
  sliceBy?: AttributeName;
  /** Trim contributions by the last epoch's means (on unless false; off only to measure the attack). */
  trim?: boolean;
}

export class GossipService {
  readonly counters: GossipCounters = emptyCounters();
  readonly sampling: PeerSampling;
  readonly aggregation: Aggregation;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: GossipOptions) {
    const { ring, clock, rng } = opts;
    this.sampling = new PeerSampling({ ring, clock, rng: rng.fork('sampling'), counters: this.counters });
    this.aggregation = new Aggregation({
      ring,
      clock,
      rng: rng.fork('aggregation'),
      counters: this.counters,
      attributes: opts.attributes,
      partner: () => this.sampling.partner(),
      sliceBy: opts.sliceBy ?? SLICE_ATTRIBUTE,
      trim: opts.trim ?? true,
    });
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.opts.ring.onService(GOSSIP_SVC, (env) => this.receive(env));
    this.sampling.start();
    this.aggregation.start();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.sampling.stop();
    this.aggregation.stop();
  }

  /** The attribute deciles rank peers by. */
  get sliceBy(): AttributeName {
    return this.opts.sliceBy ?? SLICE_ATTRIBUTE;
  }

  /** The live estimates (the last finished epoch), or null before the first. */
  estimates(): Estimates | null {
    return this.aggregation.estimates();
  }

  private receive(env: Envelope): void {
    switch (env.op) {
      case 'shuffle':
        return this.checked(env, ShuffleMsg, (m) => this.sampling.onShuffle(env, m));
      case 'shuffle-rep':
        return this.checked(env, ShuffleMsg, (m) => this.sampling.onReply(m));
      case 'agg':
      case 'agg-rep': {
        const msg = checkAggMsg(env.body, env.op === 'agg' ? 'gossip agg' : 'gossip agg-rep');
        if (!msg.ok) this.counters.refused++;
        else if (env.op === 'agg') this.aggregation.onExchange(env, msg.value);
        else this.aggregation.onReply(msg.value);
        return;
      }
      default:
        this.counters.refused++;
    }
  }

  /** Hand the body to fn if it passes its schema; count and drop it if not. */
  private checked<T extends TSchema>(env: Envelope, schema: T, fn: (msg: Static<T>) => void): void {
    const msg = check(schema, env.body, `gossip ${env.op}`);
    if (msg.ok) fn(msg.value);
    else this.counters.refused++;
  }
}
