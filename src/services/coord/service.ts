// CoordService: distributed semaphores, locks and throttles over one Chord ring. A resource's
// owner is the successor of hash(name); see docs/coord.md for the protocol and its safety
// argument. This file wires the owner, the replica holder and the solicitor to the ring.
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { idFromHex, inInterval, type Id, type PeerId } from '../../core/id.js';
import { resourceKey } from './keys.js';
import { checkedBody, errorReply } from './checked.js';
import type { Clock, Rng } from '../../env/ports.js';
import { COORD_SVC, MAX_CAPACITY, MAX_WAIT_MS } from './constants.js';
import { COORD_SETTINGS, type CoordSettings } from './settings.js';
import { withDefaults } from '../../core/options.js';
import type { CoordLease } from './lease.js';
import { HandoffBody, HandoffReply } from './messages.js';
import { CoordOwner } from './owner.js';
import { onReplicate, onReplicateMany } from './replication.js';
import type { RingPort } from '../../overlay/port.js';
import { Solicitor } from './solicitor.js';
import { emptyCoordStats, type CoordStats } from './stats.js';

/** The service's parts, and any setting to change from its default (COORD_SETTINGS; checked once, here). */
export interface CoordOptions extends Partial<CoordSettings> {
  ring: RingPort;
  clock: Clock;
  rng: Rng;
}

/** The settings with their defaults filled in; a value out of range throws InvalidArgumentError naming it. */
export function coordSettings(opts: Partial<CoordSettings>): CoordSettings {
  const { replSuccessors, leaseMs, rpcTimeoutMs } = opts;
  return withDefaults(COORD_SETTINGS, { replSuccessors, leaseMs, rpcTimeoutMs }, (key) => `coord ${key}`);
}

export interface Semaphore {
  /** Wait up to waitMs (0: a throttle, refuse at once when full) for a lease. */
  acquire(opts?: { waitMs?: number }): Promise<CoordLease>;
}

export class CoordService {
  readonly stats: CoordStats = emptyCoordStats();
  readonly owner: CoordOwner;
  readonly solicitor: Solicitor;
  private readonly ring: RingPort;
  private readonly clock: Clock;
  private readonly config: CoordSettings;
  private readonly unsubscribe: Array<() => void> = [];
  private lastPred: PeerId | null;
  private started = false;

  constructor(opts: CoordOptions) {
    this.ring = opts.ring;
    this.clock = opts.clock;
    this.config = coordSettings(opts);
    this.owner = new CoordOwner(opts.ring, opts.clock, opts.rng.fork('owner'), this.config, this.stats);
    this.solicitor = new Solicitor(opts.ring, opts.clock, opts.rng.fork('solicitor'), this.config, this.stats);
    this.lastPred = opts.ring.predecessor();
  }

  /** Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.owner.rangeGrewAtMs = this.clock.now();
    this.unsubscribe.push(this.ring.onService(COORD_SVC, (env) => this.dispatch(env)));
    for (const ev of ['range-changed', 'predecessor-changed'] as const) this.unsubscribe.push(this.ring.events.on(ev, () => this.onRangeMaybeChanged()));
  }

  /** Idempotent. Leases held through this service run out on their own. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const name of [...this.owner.states.keys()]) this.owner.drop(name);
  }

  semaphore(name: string, opts: { capacity: number }): Semaphore {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) throw new InvalidArgumentError('a resource name is 1 to 256 characters');
    const capacity = opts.capacity;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) throw new InvalidArgumentError(`capacity must be an integer in [1, ${MAX_CAPACITY}]`);
    return {
      acquire: (a = {}) => {
        const waitMs = a.waitMs ?? 0;
        if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_WAIT_MS) return Promise.reject(new InvalidArgumentError(`waitMs must be an integer in [0, ${MAX_WAIT_MS}]`));
        return this.solicitor.acquire(name, capacity, waitMs);
      },
    };
  }

  /** A lock is a semaphore of capacity 1. */
  lock(name: string): Semaphore {
    return this.semaphore(name, { capacity: 1 });
  }

  private dispatch(env: Envelope): void {
    switch (env.op) {
      case 'can-i':
        return void this.owner.onCanI(env);
      case 'release':
        return this.owner.onRelease(env);
      case 'batch':
        return void this.owner.onBatch(env);
      case 'renew':
        return void this.owner.onRenew(env);
      case 'grant':
        return this.solicitor.onGrant(env);
      case 'refuse':
        return this.solicitor.onRefuse(env);
      case 'replicate':
        return onReplicate(env, this.ring, this.clock, this.owner.replicas, (name) => this.owner.states.get(name), this.stats);
      case 'replicate-many':
        return onReplicateMany(env, this.ring, this.clock, this.owner.replicas, (name) => this.owner.states.get(name), this.stats);
      case 'handoff':
        return this.onHandoff(env);
      case 'confirm':
        return this.owner.confirm.onConfirm(env);
      default:
        this.stats.badBodies++;
        this.ring.reply(env, errorReply('INVALID_ARGUMENT', `unknown coord operation ${env.op}`));
    }
  }

  private onHandoff(env: Envelope): void {
    const b = checkedBody(HandoffBody, env, 'coord handoff body', this.ring, this.stats);
    if (b === null) return;
    if (!this.owner.owns(b.snap.name)) return void this.ring.reply(env, { type: 'refused', reqId: 0, reason: 'not-owner' });
    this.owner.adoptHandoff(b.snap);
    this.ring.reply(env, { type: 'ack' });
  }

  /**
   * The range moved. Keys we lost go to their new owner (we stop granting for them first and keep
   * a copy, since the new owner is our predecessor and we are its successor). Keys we gained start
   * blocked for one lease, and replicas we hold for them are adopted so their waiters are served.
   */
  private onRangeMaybeChanged(): void {
    const now = this.clock.now();
    const pred = this.ring.predecessor();
    const self = idFromHex(this.ring.self) as Id;
    if (pred !== this.lastPred) {
      const grew = this.lastPred === null || pred === null || !inInterval(idFromHex(pred) as Id, idFromHex(this.lastPred) as Id, self, false, false);
      if (grew) this.owner.rangeGrewAtMs = now;
      this.lastPred = pred;
    }
    for (const [name, state] of [...this.owner.states]) {
      const key = resourceKey(name);
      if (this.ring.owns(key)) continue;
      const snap = state.snapshot(now);
      this.owner.drop(name);
      this.owner.replicas.put(snap, this.ring.self, now);
      this.stats.handoffsOut++;
      this.ring
        .request(key, COORD_SVC, 'handoff', { snap }, { timeoutMs: this.config.rpcTimeoutMs })
        .then((reply) => void check(HandoffReply, reply.body, 'coord handoff reply'))
        .catch(() => undefined);
    }
    for (const name of this.owner.replicas.names()) {
      if (!this.ring.owns(resourceKey(name))) continue;
      const snap = this.owner.replicas.get(name, now);
      const state = snap && this.owner.stateFor(name, snap.capacity);
      if (state) this.owner.tick(state);
    }
  }
}
