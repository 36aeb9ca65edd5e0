// The mux owns a peer's Net handler. It is the trust boundary for frames (decodeEnvelope), sends
// each envelope to the ring named in it, fans link events out to every ring, and shares the link
// budget between the rings: it admits other peers' finger links only while room is left for the
// rings' own needs, closes links no ring values any more, and when links still exceed maxLinks it
// closes the link the rings value least.
import { checkEnvelope, decodeEnvelope, encodeEnvelope } from '../core/codec.js';
import type { Envelope, RingName } from '../core/envelope.js';
import type { PeerId } from '../core/id.js';
import type { Clock, LinkDownReason, Net } from '../env/ports.js';
import { LINK_GRACE_MS, LINK_SLACK, MAX_BAD_FRAMES_PER_PEER, MAX_LINKS, MAX_PENDING_CONNECTS } from './constants.js';

/**
 * How much a ring needs a link; the mux evicts the lowest value first and never `protected`.
 * `remoteFinger` is a link another peer uses as its finger: it goes before our own fingers, since
 * its owner can pick another peer of the same finger interval, and before fresh links (`grace`).
 * `spare` is a successor beyond the linked ones, linked while there is room: it goes next.
 */
export const LinkValue = { none: 0, remoteFinger: 0.5, spare: 0.75, finger: 1, grace: 1.5, successor: 2, protected: 3 } as const;

/** What a ring gives the mux. Handlers must not throw; the mux guards itself if they do. */
export interface MuxClient {
  onEnvelope(from: PeerId, env: Envelope): void;
  onLinkUp(peer: PeerId): void;
  onLinkDown(peer: PeerId, reason: LinkDownReason): void;
  /** How much this ring needs its link to peer (LinkValue). */
  linkValue(peer: PeerId): number;
  /** Links this ring is about to need (empty finger slots, successors not linked yet). */
  pendingLinks?(): number;
}

export interface MuxOptions {
  maxLinks?: number;
  /** Without a clock fresh links get no grace period. */
  clock?: Clock;
  linkGraceMs?: number;
  maxBadFramesPerPeer?: number;
  maxPendingConnects?: number;
}

export interface MuxStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  badFrames: number;
  encodeErrors: number;
  noRing: number;
  clientErrors: number;
  evictions: number;
  badPeersDropped: number;
  connectsRefused: number;
}

export class Mux {
  readonly stats: MuxStats = {
    framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, badFrames: 0, encodeErrors: 0, noRing: 0,
    clientErrors: 0, evictions: 0, badPeersDropped: 0, connectsRefused: 0,
  };
  readonly maxLinks: number;
  private readonly clients = new Map<RingName, MuxClient>();
  private readonly linked = new Map<PeerId, number>();
  private readonly pending = new Set<PeerId>();
  /** Links we asked the other end to close: nothing more is sent on them, so nothing meets a closed end. */
  private releasing: Set<PeerId> | null = null;
  /**
   * Bad frames per peer, made on the first (as every rarely used map here: an empty Map is about
   * 180 bytes, and at 100,000 simulated peers that is memory every frame has to reach past).
   */
  private badFrames: Map<PeerId, number> | null = null;
  private readonly graceMs: number;
  private readonly maxBad: number;
  private readonly maxPending: number;
  private closed = false;

  constructor(
    private readonly net: Net,
    private readonly opts: MuxOptions = {},
  ) {
    this.maxLinks = opts.maxLinks ?? MAX_LINKS;
    this.graceMs = opts.clock ? (opts.linkGraceMs ?? LINK_GRACE_MS) : 0;
    this.maxBad = opts.maxBadFramesPerPeer ?? MAX_BAD_FRAMES_PER_PEER;
    this.maxPending = opts.maxPendingConnects ?? MAX_PENDING_CONNECTS;
    for (const p of net.links()) this.linked.set(p, this.now());
    net.setHandler({
      onLinkUp: (peer) => this.linkUp(peer),
      onLinkDown: (peer, reason) => this.linkDown(peer, reason),
      onMessage: (peer, frame, value) => this.message(peer, frame, value),
    });
  }

  get self(): PeerId {
    return this.net.self;
  }

  attach(ring: RingName, client: MuxClient): void {
    this.clients.set(ring, client);
  }

  detach(ring: RingName, client?: MuxClient): void {
    if (!client || this.clients.get(ring) === client) this.clients.delete(ring);
  }

  /**
   * Encode and queue an envelope on the link to peer; false when there is no link, the link is
   * being released (the caller routes around it) or the envelope cannot be encoded.
   */
  send(peer: PeerId, env: Envelope): boolean {
    if (this.closed || !this.linked.has(peer) || this.releasing?.has(peer) === true) return false;
    const r = encodeEnvelope(env);
    if (!r.ok) {
      this.stats.encodeErrors++;
      return false;
    }
    // The envelope goes along with its bytes: a Net inside one process (the simulator) hands it to
    // the receiver, which then checks it instead of decoding the bytes; real Nets send bytes only.
    if (!this.net.send(peer, r.value, env)) {
      // The transport says the link is gone: every ring hears of it now, not at the next timeout.
      this.dropLink(peer, 'failed');
      return false;
    }
    this.stats.framesOut++;
    this.stats.bytesOut += r.value.length;
    return true;
  }

  /** Ask for a link; false when too many connections are already being set up. */
  connect(peer: PeerId): boolean {
    if (this.closed || peer === this.net.self) return false;
    if (this.linked.has(peer) || this.pending.has(peer)) return true;
    if (this.pending.size >= this.maxPending) {
      this.stats.connectsRefused++;
      return false;
    }
    this.pending.add(peer);
    this.net.connect(peer);
    return true;
  }

  disconnect(peer: PeerId): void {
    this.dropLink(peer, 'closed');
  }

  isLinked(peer: PeerId): boolean {
    return this.linked.has(peer);
  }

  isConnecting(peer: PeerId): boolean {
    return this.pending.has(peer);
  }

  links(): PeerId[] {
    return [...this.linked.keys()];
  }

  linkCount(): number {
    return this.linked.size;
  }

  /** Virtual time since the link to peer came up (Infinity without a clock or a link). */
  linkAgeMs(peer: PeerId): number {
    const upAt = this.linked.get(peer);
    return upAt === undefined || !this.opts.clock ? Infinity : this.now() - upAt;
  }

  /**
   * May peer use a link to us as its finger? Only while the links we have (other than one to peer
   * itself), those being set up and those our rings are about to need leave LINK_SLACK free.
   */
  hasRoom(peer: PeerId): boolean {
    const limit = this.maxLinks - LINK_SLACK;
    let used = this.linked.size + this.pending.size;
    // A full peer answers without asking its rings (most finger searches meet full peers).
    if (used > limit) return false;
    if (this.linked.has(peer)) used--;
    for (const c of this.clients.values()) used += c.pendingLinks?.() ?? 0;
    return used < limit;
  }

  /** Stop sending on the link to peer (true), or use it again (false): see LinkRoles.release. */
  setReleasing(peer: PeerId, on: boolean): void {
    if (on && this.linked.has(peer)) (this.releasing ??= new Set()).add(peer);
    else this.releasing?.delete(peer);
  }

  /**
   * Is the link to peer open but valued by no ring? Fresh links count too: grace protects a link
   * from eviction, not from being released by agreement of both ends (see LinkRoles.release).
   */
  isIdle(peer: PeerId): boolean {
    return this.linked.has(peer) && this.ringValue(peer) <= LinkValue.none;
  }

  /** Would a new link worth `value` fit, either in free room or by evicting a cheaper link? */
  canConnect(value: number): boolean {
    if (this.linked.size + this.pending.size < this.maxLinks) return true;
    for (const p of this.linked.keys()) if (this.valueOf(p) < value) return true;
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.linked.keys()]) this.dropLink(p, 'shutdown');
  }

  private now(): number {
    return this.opts.clock ? this.opts.clock.now() : 0;
  }

  private valueOf(peer: PeerId): number {
    let v = this.ringValue(peer);
    const upAt = this.linked.get(peer);
    if (upAt !== undefined && this.graceMs > 0 && this.now() - upAt < this.graceMs) v = Math.max(v, LinkValue.grace);
    return v;
  }

  /** What the rings say a link is worth, without the grace of fresh links. */
  private ringValue(peer: PeerId): number {
    let v = 0;
    for (const c of this.clients.values()) {
      try {
        v = Math.max(v, c.linkValue(peer));
      } catch {
        this.stats.clientErrors++;
      }
    }
    return v;
  }

  private linkUp(peer: PeerId): void {
    this.pending.delete(peer);
    if (this.closed) return;
    if (this.linked.has(peer)) return;
    this.linked.set(peer, this.now());
    this.fan((c) => c.onLinkUp(peer));
    if (this.linked.size > this.maxLinks) this.evictOne(peer);
  }

  /**
   * Close the least valued link; the fresh one counts as graced even without a clock. Among links
   * of equal value a relayed one goes first: it costs a TURN relay's bandwidth, a direct one nothing.
   */
  private evictOne(fresh: PeerId): void {
    let victim: PeerId | null = null;
    let victimRelayed = false;
    let lowest: number = LinkValue.protected;
    for (const p of this.linked.keys()) {
      if (p === fresh) continue;
      const v = this.valueOf(p);
      if (v > lowest || v >= LinkValue.protected) continue;
      const relayed = this.net.linkKind?.(p) === 'relay';
      if (v < lowest || (relayed && !victimRelayed)) {
        lowest = v;
        victim = p;
        victimRelayed = relayed;
      }
    }
    // The fresh link goes unless another is worth strictly less: a link in use may have frames
    // in flight towards us, which closing it would lose; the newcomer just tries elsewhere.
    if (victim === null || Math.max(this.valueOf(fresh), LinkValue.grace) <= lowest) victim = fresh;
    this.stats.evictions++;
    this.dropLink(victim, 'closed');
  }

  private dropLink(peer: PeerId, reason: LinkDownReason): void {
    this.pending.delete(peer);
    this.releasing?.delete(peer);
    const was = this.linked.delete(peer);
    this.badFrames?.delete(peer);
    this.net.disconnect(peer);
    if (was) this.fan((c) => c.onLinkDown(peer, reason));
  }

  private linkDown(peer: PeerId, reason: LinkDownReason): void {
    this.releasing?.delete(peer);
    const wasPending = this.pending.delete(peer);
    const was = this.linked.delete(peer);
    this.badFrames?.delete(peer);
    if (was || wasPending) this.fan((c) => c.onLinkDown(peer, reason));
  }

  private message(peer: PeerId, frame: Uint8Array, value?: unknown): void {
    if (this.closed) return;
    this.stats.framesIn++;
    this.stats.bytesIn += frame.length;
    const r = value === undefined ? decodeEnvelope(frame) : checkEnvelope(value);
    if (!r.ok) {
      this.stats.badFrames++;
      const bad = (this.badFrames ??= new Map());
      const n = (bad.get(peer) ?? 0) + 1;
      bad.set(peer, n);
      if (n > this.maxBad && this.linked.has(peer)) {
        this.stats.badPeersDropped++;
        this.dropLink(peer, 'closed');
      }
      return;
    }
    const client = this.clients.get(r.value.ring);
    if (!client) {
      this.stats.noRing++;
      return;
    }
    try {
      client.onEnvelope(peer, r.value);
    } catch {
      this.stats.clientErrors++;
    }
  }

  private fan(fn: (c: MuxClient) => void): void {
    for (const c of this.clients.values()) {
      try {
        fn(c);
      } catch {
        this.stats.clientErrors++;
      }
    }
  }
}
