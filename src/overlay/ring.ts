// One Chord ring as seen by one peer, driven only by the Env (clock, rng) and the Mux. The same
// class serves the base ring and the ascended ring. This file holds the public API (the ring port
// of overlay/port.ts and the owner's lifecycle); it builds the ring's core (context.ts: the
// context its parts share, the parts made by parts.ts, messages moved by messenger.ts).
import type { Envelope, RingName } from '../core/envelope.js';
import { InvalidArgumentError, PeerGoneError, TimeoutError } from '../core/errors.js';
import type { Id, PeerId } from '../core/id.js';
import type { Clock, Rng } from '../env/ports.js';
import { ExpiringSet, SeenMessages } from './bounded.js';
import { DEFAULT_RING_CONFIG, type RingConfig } from './config.js';
import { NO_ROUTE_RETRY_PERIODS, REFUSED_CACHE_ENTRIES } from './constants.js';
import { RingCore, type RingEvents, type Status } from './context.js';
import { Emitter } from './emitter.js';
import type { Mux } from './mux.js';
import { assembleParts } from './parts.js';
import type { Range, RingPort, RingRequestOptions } from './port.js';
import { Requests, RingStoppedError } from './requests.js';
import { UseRole, type FindSuccRep } from './schemas.js';
import { ownsKey } from './routing.js';
import { RingState } from './state.js';
import { emptyRingStats, type RingStats } from './stats.js';

export type { RingConfig } from './config.js';
export type { RingEvents, Status } from './context.js';
export type { Range } from './port.js';
export { RingStoppedError } from './requests.js';
export { JoinRefusedError } from './join.js';

export interface ChordRingOptions {
  clock: Clock;
  rng: Rng;
  mux: Mux;
  self: PeerId;
  ring: RingName;
  config?: Partial<RingConfig>;
  /** Stand beside the ring, owning no key (attach.ts): join through a member, never create. */
  attached?: boolean;
}

export interface LookupResult {
  owner: PeerId;
  hops: number;
}

export class ChordRing implements RingPort {
  readonly self: PeerId;
  readonly ring: RingName;
  readonly config: RingConfig;
  readonly events = new Emitter<RingEvents>();
  readonly stats: RingStats = emptyRingStats();
  private readonly mux: Mux;
  private readonly clock: Clock;
  private readonly state: RingState;
  private readonly requests: Requests;
  /** The ring's context, its parts and the way it moves messages (context.ts). */
  private readonly core: RingCore;

  constructor(opts: ChordRingOptions) {
    this.self = opts.self;
    this.ring = opts.ring;
    this.clock = opts.clock;
    this.mux = opts.mux;
    this.config = { ...DEFAULT_RING_CONFIG, ...opts.config };
    this.state = new RingState(opts.self, this.config.successorListSize, (p) => this.mux.isLinked(p));
    if (opts.attached === true) this.state.attached = true;
    this.requests = new Requests(opts.clock, opts.rng, this.config.maxPendingRequests);
    this.core = new RingCore({
      self: this.self, ring: this.ring, config: this.config, clock: opts.clock, rng: opts.rng, stats: this.stats, events: this.events,
      state: this.state, mux: this.mux, requests: this.requests, seen: new SeenMessages(this.config.seenCacheEntries),
      refused: new ExpiringSet<PeerId>(REFUSED_CACHE_ENTRIES),
    });
    assembleParts(this.core);
    this.mux.attach(this.ring, this.core);
  }

  private get status(): Status {
    return this.core.status;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Create a ring (bootstrap null) or join one through any member; resolves once a successor is known. */
  join(bootstrap: PeerId | null): Promise<void> {
    if (this.status === 'stopped') return Promise.reject(new RingStoppedError());
    if (this.status !== 'idle') return Promise.resolve();
    if (bootstrap === this.self) bootstrap = null;
    if (bootstrap === null && this.state.attached) return Promise.reject(new InvalidArgumentError('an attached peer joins through a member; it cannot create a ring'));
    return this.core.maintenance.start(bootstrap);
  }

  /** Leave gracefully: hand the predecessor and successors over to our neighbours, then stop. */
  leave(): void {
    if (this.status === 'joined') this.core.maintenance.sendLeave();
    this.stop();
  }

  /**
   * Peers that may stand on another ring (told by the rendezvous server, remembered from before a
   * restart): look our own id up through each, so that two rings that meet merge into one (meet.ts).
   */
  meet(peers: readonly PeerId[]): void {
    if (this.status === 'joined' && !this.state.attached) this.core.meetings.meet(peers);
  }

  /** Does this peer stand beside the ring (attach.ts), owning no key? */
  isAttached(): boolean {
    return this.state.attached;
  }

  /** For an attached peer that lost every member it knew: members to reach the ring through again. */
  reattach(peers: readonly PeerId[]): void {
    if (this.state.attached) this.core.attachment.offer(peers);
  }

  /** Peers meet() has yet to look our id up through. */
  meeting(): PeerId[] {
    return this.core.meetings.pending();
  }

  /** Stop all timers and fail requests in flight; idempotent. */
  stop(): void {
    if (this.status === 'stopped') return;
    this.core.setStatus('stopped');
    this.core.maintenance.stop();
    this.requests.cancelAll(new RingStoppedError());
    this.mux.detach(this.ring, this.core);
  }

  // ---- state getters ---------------------------------------------------------------------

  /** On the ring: we created it, or a bootstrap answered our join; not necessarily in place yet. */
  isMember(): boolean {
    return this.status === 'joined';
  }

  /** In its place: it has a predecessor and its successor has confirmed it (the 'joined' event). */
  isJoined(): boolean {
    return this.core.isJoined();
  }
  successor(): PeerId {
    return this.state.successor();
  }
  predecessor(): PeerId | null {
    return this.state.succs.length === 0 && this.status === 'joined' && !this.state.attached ? this.self : this.state.pred;
  }
  successors(): PeerId[] {
    return [...this.state.succs];
  }
  fingers(): Array<{ k: number; peer: PeerId }> {
    return [...this.core.fingers.entries()].sort((a, b) => a[0] - b[0]).map(([k, peer]) => ({ k, peer }));
  }
  /** Why the link to peer is open: the roles we give it and those peer gives it (UseRole bits). */
  linkRoles(peer: PeerId): { ours: number; theirs: number } {
    return { ours: this.core.roles.local(peer), theirs: this.core.roles.remoteRoles(peer) };
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
  isAttachedPeer(peer: PeerId): boolean {
    return (this.core.roles.remoteRoles(peer) & UseRole.attached) !== 0;
  }

  // ---- messaging -------------------------------------------------------------------------

  onService(svc: string, handler: (env: Envelope) => void): () => void {
    return this.core.onService(svc, handler);
  }

  /** Deliver to the owner of key; false when no route exists right now. */
  route(key: Id, svc: string, op: string, body: unknown, opts: { redundant?: boolean; ttl?: number } = {}): boolean {
    return this.core.route(key, svc, op, body, opts);
  }

  /** Deliver to a given peer: directly when linked, else routed toward its id. */
  send(peer: PeerId, svc: string, op: string, body: unknown): boolean {
    return this.core.send(peer, svc, op, body);
  }

  request(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts: RingRequestOptions = {}): Promise<Envelope> {
    return new Promise((resolve, reject) => this.core.call(target, svc, op, body, opts, (e, env) => (e ? reject(e) : resolve(env!))));
  }

  /** Answer a request envelope. */
  reply(to: Envelope, body: unknown): boolean {
    return this.core.reply(to, body);
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
    const attempt = (redundant: boolean): void => this.core.maintenance.findSuccessor(key, false, timeoutMs, (e, rep) => {
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
}
