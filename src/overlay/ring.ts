// One Chord ring as seen by one peer, driven only by the Env (clock, rng) and the Mux. The same
// class serves the base ring and the ascended ring. This file holds the public API and message
// dispatch; periodic maintenance is in maintenance.ts and each ring operation in handlers/.
import type { Envelope, KeyEnvelope, PeerEnvelope, RingName } from '../core/envelope.js';
import { CumulusError, InvalidArgumentError, PeerGoneError, TimeoutError } from '../core/errors.js';
import { distance, keyHex, type Id, type KeyHex, type PeerId } from '../core/id.js';
import type { Clock, LinkDownReason, Rng } from '../env/ports.js';
import { ExpiringSet, SeenMessages } from './bounded.js';
import { DEFAULT_RING_CONFIG, type RingConfig } from './config.js';
import { CHORD_SVC, MAX_FORWARD_ATTEMPTS, NO_ROUTE_RETRY_PERIODS, REFUSED_CACHE_ENTRIES } from './constants.js';
import { Emitter } from './emitter.js';
import { CHORD_HANDLERS } from './handlers/index.js';
import { findFingerInPassing } from './handlers/find-finger.js';
import { linkFailed, Maintenance } from './maintenance.js';
import type { Mux, MuxClient } from './mux.js';
import { RequestTooManyError, Requests, type ReplyCallback } from './requests.js';
import type { FindSuccRep } from './schemas.js';
import type { Range, RingPort, RingPortEvents, RingRequestOptions } from './port.js';
import { LinkRoles } from './roles.js';
import { decide, decideTwo, ownsKey } from './routing.js';
import { checkedId, RingState } from './state.js';
import { emptyRingStats, type RingStats } from './stats.js';

export type { RingConfig } from './config.js';
export type { Range } from './port.js';

/** The port's events, and two that only the peer that owns the ring needs. */
export interface RingEvents extends RingPortEvents, Record<string, unknown> {
  joined: { atMs: number };
  /** join() gave up on its bootstrap (the promise rejects too, but only once microtasks run). */
  'join-failed': { bootstrap: PeerId };
}

export interface ChordRingOptions {
  clock: Clock;
  rng: Rng;
  mux: Mux;
  self: PeerId;
  ring: RingName;
  config?: Partial<RingConfig>;
}

export interface RequestOptions extends RingRequestOptions {
  /** For a key: never take this peer as the first greedy hop (see relocate.ts). */
  exclude?: PeerId;
}

export interface LookupResult {
  owner: PeerId;
  hops: number;
}

export type Status = 'idle' | 'joining' | 'joined' | 'stopped';

export class RingStoppedError extends CumulusError {
  constructor() {
    super('CANCELLED', 'the ring was stopped');
  }
}

export class ChordRing implements MuxClient, RingPort {
  readonly self: PeerId;
  readonly ring: RingName;
  readonly config: RingConfig;
  readonly events = new Emitter<RingEvents>();
  readonly stats: RingStats = emptyRingStats();
  /** @internal */ readonly state: RingState;
  /** @internal */ readonly requests: Requests;
  /** @internal */ readonly refused: ExpiringSet<PeerId>;
  /** @internal */ readonly clock: Clock;
  /** @internal */ readonly rng: Rng;
  /** @internal */ readonly mux: Mux;
  /** @internal */ status: Status = 'idle';
  private readonly seen: SeenMessages;
  private readonly services = new Map<string, (env: Envelope) => void>();
  /** @internal */ readonly maintenance: Maintenance;
  /** @internal */ readonly roles: LinkRoles;

  constructor(opts: ChordRingOptions) {
    this.self = opts.self;
    this.ring = opts.ring;
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.mux = opts.mux;
    this.config = { ...DEFAULT_RING_CONFIG, ...opts.config };
    this.state = new RingState(opts.self, this.config.successorListSize, (p) => this.mux.isLinked(p));
    this.requests = new Requests(opts.clock, opts.rng, this.config.maxPendingRequests);
    this.seen = new SeenMessages(this.config.seenCacheEntries);
    this.refused = new ExpiringSet(REFUSED_CACHE_ENTRIES);
    this.roles = new LinkRoles(this);
    this.maintenance = new Maintenance(this);
    this.mux.attach(this.ring, this);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Create a ring (bootstrap null) or join one through any member; resolves once a successor is known. */
  join(bootstrap: PeerId | null): Promise<void> {
    if (this.status === 'stopped') return Promise.reject(new RingStoppedError());
    if (this.status !== 'idle') return Promise.resolve();
    if (bootstrap === this.self) bootstrap = null;
    return this.maintenance.start(bootstrap);
  }

  /** Leave gracefully: hand the predecessor and successors over to our neighbours, then stop. */
  leave(): void {
    if (this.status === 'joined') this.maintenance.sendLeave();
    this.stop();
  }

  /** Stop all timers and fail requests in flight; idempotent. */
  stop(): void {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    this.maintenance.stop();
    this.requests.cancelAll(new RingStoppedError());
    this.mux.detach(this.ring, this);
  }

  // ---- state getters ---------------------------------------------------------------------

  /** On the ring: we created it, or a bootstrap answered our join; not necessarily in place yet. */
  isMember(): boolean {
    return this.status === 'joined';
  }

  /** In its place: it has a predecessor and its successor has confirmed it (the 'joined' event). */
  isJoined(): boolean {
    return this.status === 'joined' && this.maintenance.inPlace;
  }
  successor(): PeerId {
    return this.state.successor();
  }
  predecessor(): PeerId | null {
    return this.state.succs.length === 0 && this.status === 'joined' ? this.self : this.state.pred;
  }
  successors(): PeerId[] {
    return [...this.state.succs];
  }
  fingers(): Array<{ k: number; peer: PeerId }> {
    return [...this.state.fingers].sort((a, b) => a[0] - b[0]).map(([k, peer]) => ({ k, peer }));
  }
  owns(key: Id): boolean {
    return this.status === 'joined' && ownsKey(this.state, key);
  }
  range(): Range {
    return { start: this.predecessor() ?? this.self, end: this.self };
  }
  isLinked(peer: PeerId): boolean {
    return this.mux.isLinked(peer);
  }
  links(): PeerId[] {
    return this.mux.links();
  }

  // ---- messaging -------------------------------------------------------------------------

  onService(svc: string, handler: (env: Envelope) => void): () => void {
    if (svc === CHORD_SVC) throw new InvalidArgumentError(`service name ${svc} is reserved for the ring`);
    this.services.set(svc, handler);
    return () => {
      if (this.services.get(svc) === handler) this.services.delete(svc);
    };
  }

  /** Deliver to the owner of key; false when no route exists right now. */
  route(key: Id, svc: string, op: string, body: unknown, opts: { redundant?: boolean; ttl?: number } = {}): boolean {
    return this.originate(this.keyEnvelope(keyHex(key), svc, op, body, opts.ttl), opts.redundant ?? false);
  }

  /** Deliver to a given peer: directly when linked, else routed toward its id. */
  send(peer: PeerId, svc: string, op: string, body: unknown): boolean {
    return this.sendEnv(this.peerEnvelope(peer, svc, op, body));
  }

  request(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts: RingRequestOptions = {}): Promise<Envelope> {
    return new Promise((resolve, reject) => this.call(target, svc, op, body, opts, (e, env) => (e ? reject(e) : resolve(env!))));
  }

  /**
   * request() with a callback instead of a promise: the callback runs inside the Env event that
   * settles it (a reply or a timer), which lets a synchronous simulator drive the ring at full speed.
   */
  call(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts: RequestOptions, done: ReplyCallback): void {
    if (this.status === 'stopped') return done(new RingStoppedError());
    const toPeer = typeof target === 'object';
    const env = toPeer ? this.peerEnvelope(target.peer, svc, op, body) : this.keyEnvelope(keyHex(target), svc, op, body);
    const timeoutMs = opts.timeoutMs ?? this.config.requestTimeoutMs;
    if (!this.requests.open(env.mid, svc, op, toPeer ? target.peer : null, timeoutMs, done)) {
      return done(new RequestTooManyError(this.config.maxPendingRequests));
    }
    const sent = env.to === 'peer' ? this.sendEnv(env) : this.originate(env, opts.redundant ?? false, opts.exclude ?? null);
    if (!sent) this.requests.fail(env.mid, new PeerGoneError(env.dst));
  }

  /** Answer a request envelope. */
  reply(to: Envelope, body: unknown): boolean {
    const env = this.peerEnvelope(to.src, to.svc, to.op, body);
    env.re = to.mid;
    return this.sendEnv(env);
  }

  /** The owner of key and the hops the lookup took. */
  lookup(key: Id, timeoutMs?: number): Promise<LookupResult> {
    return new Promise((resolve, reject) => this.lookupCb(key, timeoutMs, (e, r) => (e ? reject(e) : resolve(r!))));
  }

  /**
   * lookup() with a callback, settled inside the Env event that ends it. A lookup that times out
   * is tried once more, sent to the two best next hops: under churn a message is lost with the
   * peer that held it, and the second try goes around it. A lookup that finds no route at all (no
   * link toward the key is up: a successor that just changed, whose link is still being made) is
   * tried again every NO_ROUTE_RETRY_PERIODS of a stabilize period until its time is up.
   */
  lookupCb(key: Id, timeoutMs: number | undefined, done: (e: Error | null, r?: LookupResult) => void): void {
    const settle = (e: Error | null, rep?: FindSuccRep) => (e ? done(e) : done(null, { owner: rep!.owner, hops: rep!.hops }));
    const deadline = this.clock.now() + (timeoutMs ?? this.config.requestTimeoutMs);
    const attempt = (redundant: boolean): void => this.maintenance.findSuccessor(key, false, timeoutMs, (e, rep) => {
      if (!e || this.status !== 'joined') return settle(e, rep);
      const retryMs = this.config.stabilizeIntervalMs * NO_ROUTE_RETRY_PERIODS;
      if (e instanceof PeerGoneError && this.clock.now() + retryMs < deadline) {
        this.stats.lookupRetries++;
        this.clock.setTimer(retryMs, () => (this.status === 'joined' ? attempt(true) : settle(e)));
        return;
      }
      if (redundant || !(e instanceof TimeoutError)) return settle(e);
      this.stats.lookupRetries++;
      attempt(true);
    }, redundant);
    attempt(false);
  }

  // ---- MuxClient -------------------------------------------------------------------------

  /** @internal */
  onEnvelope(from: PeerId, env: Envelope): void {
    if (this.status === 'stopped' || this.status === 'idle') return;
    // A joining peer is not routable yet: it only accepts what is addressed to it.
    if (this.status === 'joining' && (env.to !== 'peer' || env.dst !== this.self)) return;
    this.stats.received++;
    if (env.to === 'peer') {
      if (env.dst === this.self) return this.deliver(env);
      if (this.mux.isLinked(env.dst) && this.forward(env, env.dst)) return;
    }
    // A finger search may be answered by any peer of its interval on the way (see find-finger.ts).
    if (env.to === 'key' && env.op === 'find-finger' && env.svc === CHORD_SVC && env.re === undefined && findFingerInPassing(this, env)) return;
    // The envelope's schema checked dst: 40 lower-case hex characters.
    const key = env.to === 'peer' ? this.state.id(env.dst) : checkedId(env.dst);
    this.routeOn(env, key, this.state.id(from));
  }

  /**
   * Forward env one hop toward key, or deliver it here. A link that turns out dead when we send
   * is dropped at once (the mux reports it), and the next best neighbour is tried.
   */
  private routeOn(env: Envelope, key: Id, fromId: Id | null, exclude: PeerId | null = null): boolean {
    for (let attempt = 0; attempt < MAX_FORWARD_ATTEMPTS; attempt++) {
      const d = decide(this.state, key, fromId, exclude);
      if (d.kind === 'none') break;
      if (d.kind === 'self') {
        if (env.to === 'key') return this.deliverKey(env);
        break; // the peer it was meant for is not in the ring
      }
      if (env.hops >= env.ttl) {
        this.stats.ttlExpired++;
        return false;
      }
      if (this.forward(env, d.peer)) return true;
    }
    this.stats.undeliverable++;
    return false;
  }

  /** @internal */
  onLinkUp(peer: PeerId): void {
    if (this.status === 'stopped') return;
    this.maintenance.linkUp(peer);
  }

  /** @internal */
  onLinkDown(peer: PeerId, reason: LinkDownReason): void {
    if (this.status === 'stopped') return;
    this.maintenance.linkDown(peer, reason);
    // Requests to that peer alone (stabilize, pings) fail now rather than at their timeout: a
    // stabilize round waiting on a dead successor holds up the round with the next one. After a
    // deliberate close the peer is alive and its answer may still come, routed.
    if (linkFailed(reason)) this.requests.failPeer(peer, new PeerGoneError(peer));
  }

  /** @internal */
  linkValue(peer: PeerId): number {
    return this.status === 'stopped' ? 0 : this.roles.value(peer);
  }

  /** @internal */
  pendingLinks(): number {
    return this.status === 'joined' ? this.maintenance.pendingLinks() : 0;
  }

  // ---- internals -------------------------------------------------------------------------

  // Both kinds of envelope list their fields in one order: the order msgpack writes them in.
  private peerEnvelope(dst: PeerId, svc: string, op: string, body: unknown): PeerEnvelope {
    return { v: 1, mid: this.requests.mid(), src: this.self, dst, to: 'peer', ring: this.ring, svc, op, hops: 0, ttl: this.config.defaultTtl, body };
  }

  private keyEnvelope(dst: KeyHex, svc: string, op: string, body: unknown, ttl?: number): KeyEnvelope {
    return { v: 1, mid: this.requests.mid(), src: this.self, dst, to: 'key', ring: this.ring, svc, op, hops: 0, ttl: ttl ?? this.config.defaultTtl, body };
  }

  /** @internal Send an envelope addressed to a peer. */
  sendEnv(env: PeerEnvelope): boolean {
    const peer = env.dst;
    if (peer === this.self) {
      this.deliver(env);
      return true;
    }
    if (this.mux.isLinked(peer) && this.forward(env, peer)) return true;
    if (this.status !== 'joined') return false;
    return this.routeOn(env, this.state.id(peer), null);
  }

  /** @internal Send over the link to peer only (link-local messages such as 'use'); never routed. */
  sendLinked(peer: PeerId, svc: string, op: string, body: unknown): boolean {
    return this.forward(this.peerEnvelope(peer, svc, op, body), peer);
  }

  /** @internal Pass a request on to another peer as is (same source and id), with a new body. */
  relay(env: Envelope, peer: PeerId, body: unknown): boolean {
    return this.forward({ ...env, to: 'peer', dst: peer, body }, peer);
  }

  private originate(env: KeyEnvelope, redundant: boolean, exclude: PeerId | null = null): boolean {
    if (this.status !== 'joined') return false;
    const key = checkedId(env.dst); // from keyHex
    if (redundant) {
      let any = false;
      for (const p of decideTwo(this.state, key, null)) any = this.forward(env, p) || any;
      if (any) return true;
    }
    return this.routeOn(env, key, null, exclude);
  }

  private forward(env: Envelope, next: PeerId): boolean {
    const ok = this.mux.send(next, { ...env, hops: env.hops + 1 });
    if (ok) this.stats.sent++;
    else this.stats.sendFailures++;
    return ok;
  }

  /** Deliver a message routed to a key we own, once: a redundant copy is dropped here. */
  private deliverKey(env: Envelope): boolean {
    if (!this.seen.add(env.mid, env.src)) {
      this.stats.duplicates++;
      return true;
    }
    this.deliver(env);
    return true;
  }

  private deliver(env: Envelope): void {
    this.stats.delivered++;
    if (env.re !== undefined) {
      this.requests.settle(env);
      return;
    }
    if (env.svc === CHORD_SVC) {
      const h = CHORD_HANDLERS[env.op];
      if (h) h(this, env);
      else this.stats.unknownOps++;
      return;
    }
    const h = this.services.get(env.svc);
    if (!h) {
      this.stats.noService++;
      return;
    }
    try {
      h(env);
    } catch {
      this.stats.serviceErrors++;
    }
  }
}
