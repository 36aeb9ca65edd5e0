// An idealised ring for storage tests and the storage scenario: every request reaches the true
// owner of its key in one hop, as encoded frames through the codec's trust boundary, after a
// fixed latency on the peers' own clocks. A crashed peer drops what it is sent at once but stays
// in everyone's view for `detectMs` (failure detection is not free), then its range moves on.
// It implements the ring port (overlay/port.ts) and stands in for ChordRing where a test is about
// a service (storage, coord) rather than routing; it passes the port's compliance suite.
import type { Envelope } from '../core/envelope.js';
import { WIRE_VERSION } from '../core/envelope.js';
import { checkEnvelope, decodeEnvelope, encodeEnvelope } from '../core/codec.js';
import { PeerGoneError, TimeoutError } from '../core/errors.js';
import { idFromHex, inInterval, keyHex, type Id, type PeerId } from '../core/id.js';
import type { Clock } from '../env/ports.js';
import { DEFAULT_RING_CONFIG } from '../overlay/config.js';
import { Emitter } from '../overlay/emitter.js';
import type { Range, RingPort, RingPortEvents, RingRequestOptions } from '../overlay/port.js';

const SUCCESSORS = 8;

/**
 * How a frame travels: 'bytes' encodes it through the codec and decodes it at the receiver (the
 * whole trust boundary); 'values' hands the receiver the sender's envelope object, which it
 * checks against the envelope schema (checkEnvelope, as the Mux does with the simulator's
 * transport) before the service checks the body against its own schema. 'values' skips only the
 * msgpack round trip, which for plain data (numbers, strings, arrays, maps) returns what was
 * encoded: it is for scenarios whose cost is per message (gossip at 100,000 peers), and the
 * gossip scenario's test runs both ways to show they agree.
 */
export type OracleFrames = 'bytes' | 'values';

export class OracleNetwork {
  /** Member ids in ring order (numeric), including crashed peers not yet detected, and their peer ids. */
  private ids: Id[] = [];
  private peers: PeerId[] = [];
  private readonly rings = new Map<string, OracleRing>();
  readonly stats = { frames: 0, bytes: 0, dropped: 0 };

  constructor(
    readonly latencyMs = 20,
    readonly detectMs = 5_000,
    readonly frames: OracleFrames = 'bytes',
  ) {}

  add(ring: OracleRing): void {
    const id = idFromHex(ring.self);
    if (!this.rings.has(ring.self)) {
      const lo = this.lowerBound(id);
      this.ids.splice(lo, 0, id);
      this.peers.splice(lo, 0, ring.self);
    }
    this.rings.set(ring.self, ring);
    this.notifyAround(ring.self);
  }

  /** The peer stops answering now and leaves everyone's view after detectMs (`after` schedules it). */
  crash(peer: PeerId, after: (delayMs: number, fn: () => void) => void): void {
    const r = this.rings.get(peer);
    if (!r) return;
    r.alive = false;
    after(this.detectMs, () => this.remove(peer, r));
  }

  private remove(peer: PeerId, r: OracleRing): void {
    if (this.rings.get(peer) !== r || r.alive) return;
    this.rings.delete(peer);
    const i = this.lowerBound(idFromHex(peer));
    this.ids.splice(i, 1);
    this.peers.splice(i, 1);
    this.notifyAround(peer);
    // Its neighbours see it fail: its successor (now at i) and its predecessor.
    const n = this.peers.length;
    if (n === 0) return;
    const told = new Set([this.peers[i % n]!, this.peers[(i - 1 + n) % n]!]);
    for (const p of told) this.rings.get(p)?.gone(peer);
  }

  /** The member that owns a key: its successor among the peers in view. */
  ownerOf(key: Id): OracleRing | undefined {
    const n = this.ids.length;
    if (n === 0) return undefined;
    return this.rings.get(this.peers[this.lowerBound(key) % n]!);
  }

  /** The index of the first member at or after a position (ids.length when none is). */
  private lowerBound(key: Id): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ids[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  ring(peer: string): OracleRing | undefined {
    return this.rings.get(peer);
  }

  /** Up to k members after (or before, when k < 0) a position in ring order. */
  neighbours(self: Id, k: number): PeerId[] {
    const n = this.ids.length;
    // A binary search, not indexOf: at 100,000 peers a linear scan per look dominated the run.
    const at = this.lowerBound(self);
    const i = at < n && this.ids[at] === self ? at : -1;
    const out: PeerId[] = [];
    for (let s = 1; s <= Math.min(Math.abs(k), n - 1); s++) out.push(this.peers[(((i + Math.sign(k) * s) % n) + n) % n]!);
    return out;
  }

  /** Every member in view but self, in ring order after it. */
  others(self: Id): PeerId[] {
    return this.neighbours(self, this.ids.length);
  }

  /**
   * Tell the peers around `peer` and the peer itself that their neighbourhood changed. After a
   * removal `peer` is out of view and neighbours() counts from before the first member, so the
   * peers told are the last three and the first, not the removed peer's neighbours: those see
   * the change at their next look (a service's periodic round), as the storage scenario expects.
   */
  private notifyAround(peer: PeerId): void {
    const id = idFromHex(peer);
    for (const p of [...this.neighbours(id, -3), ...this.neighbours(id, 1)]) this.rings.get(p)?.fire();
    this.rings.get(peer)?.fire();
  }

  /** Deliver one frame after the latency, if the receiver is alive then. */
  deliver(from: OracleRing, to: OracleRing | undefined, env: Envelope): boolean {
    if (this.frames === 'values') return this.deliverValue(from, to, env);
    const enc = encodeEnvelope(env);
    if (!enc.ok) throw enc.error;
    if (!to || !to.alive) {
      this.stats.dropped++;
      return false;
    }
    this.stats.frames++;
    this.stats.bytes += enc.value.length;
    from.clock.setTimer(this.latencyMs, () => {
      const dec = decodeEnvelope(enc.value);
      if (dec.ok && to.alive) to.receive(dec.value);
    });
    return true;
  }

  /** 'values' frames: the envelope object itself, checked at the receiver; bytes are not counted. */
  private deliverValue(from: OracleRing, to: OracleRing | undefined, env: Envelope): boolean {
    if (!to || !to.alive) {
      this.stats.dropped++;
      return false;
    }
    this.stats.frames++;
    from.clock.setTimer(this.latencyMs, () => {
      const checked = checkEnvelope(env);
      if (checked.ok && to.alive) to.receive(checked.value);
    });
    return true;
  }
}

export class OracleRing implements RingPort {
  alive = true;
  readonly events = new Emitter<RingPortEvents>();
  private mid = 0;
  private readonly pending = new Map<number, (env: Envelope) => void>();
  private readonly services = new Map<string, (env: Envelope) => void>();
  private readonly selfId: Id;
  /** The predecessor the last notice announced, for the `from` of the next one. */
  private announcedPred: PeerId | null = null;

  constructor(
    private readonly net: OracleNetwork,
    readonly self: PeerId,
    readonly clock: Clock,
    private readonly requestTimeoutMs = DEFAULT_RING_CONFIG.requestTimeoutMs,
  ) {
    this.selfId = idFromHex(self);
  }

  request(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts: RingRequestOptions = {}): Promise<Envelope> {
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const mid = (this.mid = (this.mid + 1) >>> 0);
    const toKey = typeof target !== 'object';
    const env: Envelope = toKey
      ? { v: WIRE_VERSION, mid, src: this.self, dst: keyHex(target), to: 'key', ring: 'asc', svc, op, hops: 0, ttl: 8, body }
      : { v: WIRE_VERSION, mid, src: this.self, dst: target.peer, to: 'peer', ring: 'asc', svc, op, hops: 0, ttl: 8, body };
    const receiver = toKey ? this.net.ownerOf(target) : this.net.ring(target.peer);
    return new Promise<Envelope>((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.pending.delete(mid);
        reject(new TimeoutError(`${svc} ${op} to ${env.dst.slice(0, 8)}`, timeoutMs));
      });
      this.pending.set(mid, (reply) => {
        this.clock.cancel(timer);
        this.pending.delete(mid);
        resolve(reply);
      });
      if (!toKey && !receiver) {
        this.clock.cancel(timer);
        this.pending.delete(mid);
        reject(new PeerGoneError(env.dst));
        return;
      }
      this.net.deliver(this, receiver, env);
    });
  }

  reply(req: Envelope, body: unknown): boolean {
    const env: Envelope = { v: WIRE_VERSION, mid: (this.mid = (this.mid + 1) >>> 0), src: this.self, dst: req.src, to: 'peer', ring: req.ring, svc: req.svc, op: req.op, hops: 0, ttl: 8, re: req.mid, body };
    return this.net.deliver(this, this.net.ring(req.src), env);
  }

  send(peer: PeerId, svc: string, op: string, body: unknown): boolean {
    const receiver = this.net.ring(peer);
    if (!receiver) return false;
    const env: Envelope = { v: WIRE_VERSION, mid: (this.mid = (this.mid + 1) >>> 0), src: this.self, dst: peer, to: 'peer', ring: 'asc', svc, op, hops: 0, ttl: 8, body };
    this.net.deliver(this, receiver, env);
    return true;
  }

  receive(env: Envelope): void {
    if (env.re !== undefined) {
      this.pending.get(env.re)?.(env);
      return;
    }
    this.services.get(env.svc)?.(env);
  }

  onService(svc: string, handler: (env: Envelope) => void): () => void {
    this.services.set(svc, handler);
    return () => {
      if (this.services.get(svc) === handler) this.services.delete(svc);
    };
  }

  owns(key: Id): boolean {
    const pred = this.predecessor();
    return pred === null || inInterval(key, idFromHex(pred), this.selfId, false, true);
  }

  successors(): PeerId[] {
    return this.net.neighbours(this.selfId, SUCCESSORS);
  }

  predecessor(): PeerId | null {
    return this.net.neighbours(this.selfId, -1)[0] ?? null;
  }

  /** Every member in view is one hop away: linked, as far as a service can tell. */
  isLinked(peer: PeerId): boolean {
    return peer !== this.self && this.net.ring(peer) !== undefined;
  }

  /** The oracle keeps no link ages: every member in view, in ring order after us. */
  links(): PeerId[] {
    return this.net.others(this.selfId);
  }

  /** Every peer of the oracle's ring is a member: none stands beside it. */
  isAttachedPeer(): boolean {
    return false;
  }

  /** A neighbour of ours has failed (the oracle has no graceful leave). */
  gone(peer: PeerId): void {
    if (this.alive) this.events.emit('peer-gone', { peer, failed: true });
  }

  /**
   * The neighbourhood changed. The oracle does not work out how: each notice announces all three
   * changes, with the present range, successors and predecessor (services read them as a prompt
   * to look again).
   */
  fire(): void {
    if (!this.alive) return;
    const from = this.announcedPred;
    const pred = this.predecessor();
    this.announcedPred = pred;
    const range = (p: PeerId | null): Range => ({ start: p ?? this.self, end: this.self });
    this.events.emit('range-changed', { from: from === null ? null : range(from), to: range(pred) });
    this.events.emit('successors-changed', { successors: this.successors() });
    this.events.emit('predecessor-changed', { from, to: pred });
  }
}
