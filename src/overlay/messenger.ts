// How one ring moves messages: it makes envelopes, sends them to a peer or routes them toward a
// key (greedy, over the links routing.ts chooses from), forwards what passes through, delivers
// what is ours once, settles replies and hands requests to the service they name. The ring's own
// operations (service 'chord') go to handlers/ through `chord`.
import type { Envelope, KeyEnvelope, PeerEnvelope, RingName } from '../core/envelope.js';
import { InvalidArgumentError, PeerGoneError } from '../core/errors.js';
import { keyHex, type Id, type KeyHex, type PeerId } from '../core/id.js';
import type { SeenMessages } from './bounded.js';
import type { RingConfig } from './config.js';
import { CHORD_SVC, MAX_FORWARD_ATTEMPTS } from './constants.js';
import type { CallOptions, Status } from './context.js';
import type { Mux } from './mux.js';
import { RequestTooManyError, RingStoppedError, type ReplyCallback, type Requests } from './requests.js';
import { decide, decideTwo } from './routing.js';
import { checkedId, type RingState } from './state.js';
import type { RingStats } from './stats.js';

/**
 * The message-moving half of a ring's context (RingCore in context.ts): one class, so that every
 * part of every ring calls the same methods on objects of one shape.
 */
export abstract class Messenger {
  /** Where the ring is in its life: moved by join, maintenance and ChordRing.stop. */
  status: Status = 'idle';
  private readonly services = new Map<string, (env: Envelope) => void>();

  constructor(
    readonly self: PeerId,
    readonly ring: RingName,
    readonly config: RingConfig,
    readonly stats: RingStats,
    readonly state: RingState,
    private readonly router: Pick<Mux, 'isLinked' | 'send'>,
    protected readonly requests: Requests,
    /** Delivered key messages, for duplicate suppression. */
    private readonly seen: SeenMessages,
  ) {}

  /** Handle a message of the ring's own service, CHORD_SVC (see handlers/index.ts). */
  protected abstract chord(env: Envelope): void;
  /** A finger search passing through: true when it was answered here (see fingers/answer.ts). */
  protected abstract fingerInPassing(env: KeyEnvelope): boolean;

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

  send(peer: PeerId, svc: string, op: string, body: unknown): boolean {
    return this.sendEnv(this.peerEnvelope(peer, svc, op, body));
  }

  call(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts: CallOptions, done: ReplyCallback): void {
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

  reply(to: Envelope, body: unknown): boolean {
    const env = this.peerEnvelope(to.src, to.svc, to.op, body);
    env.re = to.mid;
    return this.sendEnv(env);
  }

  sendLinked(peer: PeerId, svc: string, op: string, body: unknown): boolean {
    return this.forward(this.peerEnvelope(peer, svc, op, body), peer);
  }

  relay(env: Envelope, peer: PeerId, body: unknown): boolean {
    return this.forward({ ...env, to: 'peer', dst: peer, body }, peer);
  }

  /** A frame from the mux, already checked against the envelope schema. */
  onEnvelope(from: PeerId, env: Envelope): void {
    const status = this.status;
    if (status === 'stopped' || status === 'idle') return;
    // A joining peer is not routable yet: it only accepts what is addressed to it.
    if (status === 'joining' && (env.to !== 'peer' || env.dst !== this.self)) return;
    this.stats.received++;
    if (env.to === 'peer') {
      if (env.dst === this.self) return this.deliver(env);
      if (this.router.isLinked(env.dst) && this.forward(env, env.dst)) return;
    }
    // A finger search may be answered by any peer of its interval on the way (see fingers/answer.ts).
    if (env.to === 'key' && env.op === 'find-finger' && env.svc === CHORD_SVC && env.re === undefined && this.fingerInPassing(env)) return;
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
      const step = decide(this.state, key, fromId, exclude);
      if (step.kind === 'none') break;
      if (step.kind === 'self') {
        if (env.to === 'key') return this.deliverKey(env);
        break; // the peer it was meant for is not in the ring
      }
      if (env.hops >= env.ttl) {
        this.stats.ttlExpired++;
        return false;
      }
      if (this.forward(env, step.peer)) return true;
    }
    this.stats.undeliverable++;
    return false;
  }

  // Both kinds of envelope list their fields in one order: the order msgpack writes them in.
  private peerEnvelope(dst: PeerId, svc: string, op: string, body: unknown): PeerEnvelope {
    return { v: 1, mid: this.requests.mid(), src: this.self, dst, to: 'peer', ring: this.ring, svc, op, hops: 0, ttl: this.config.defaultTtl, body };
  }

  private keyEnvelope(dst: KeyHex, svc: string, op: string, body: unknown, ttl?: number): KeyEnvelope {
    return { v: 1, mid: this.requests.mid(), src: this.self, dst, to: 'key', ring: this.ring, svc, op, hops: 0, ttl: ttl ?? this.config.defaultTtl, body };
  }

  /** Send an envelope addressed to a peer. */
  private sendEnv(env: PeerEnvelope): boolean {
    const peer = env.dst;
    if (peer === this.self) {
      this.deliver(env);
      return true;
    }
    if (this.router.isLinked(peer) && this.forward(env, peer)) return true;
    if (this.status !== 'joined') return false;
    return this.routeOn(env, this.state.id(peer), null);
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
    const ok = this.router.send(next, { ...env, hops: env.hops + 1 });
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
    if (env.svc === CHORD_SVC) return this.chord(env);
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
