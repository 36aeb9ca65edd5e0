// Links between simulated nodes: connect handshakes, frame delivery, closes and failures, all as
// events on the simulator's queue. See network.ts for what the model promises; here is how.
// A link object is shared by both sides and sits in each side's link table once that side knows
// of it. Receivers check the link is still theirs, so frames on a link that was replaced, closed
// by the receiver, crashed or partitioned away are dropped, never delivered to the wrong link.
// The link tables themselves (pairs of peer key and link, by node index) are in link-table.ts.
import type { PeerId } from '../core/id.js';
import type { LinkDownReason, NetHandler } from '../env/ports.js';
import type { SeededRng } from '../env/rng.js';
import { EV_CONN_ACK, EV_CONN_FAIL, EV_CONN_REQ, EV_DELIVER, EV_LINK_DOWN, SLAB_MAX_FRAME_BYTES, type EventQueue } from './events.js';
import { appendPair, linkAt, position, removePair, PeerKeys, type LinkTable } from './link-table.js';
import { Link, sampleLatency, type NetworkOptions } from './network.js';
import type { SimNodeState } from './node.js';
import type { Simulator } from './simulator.js';

export const LINK_DOWN_REASONS: LinkDownReason[] = ['closed', 'remote-closed', 'failed', 'timeout', 'connect-failed', 'refused', 'shutdown'];
const R_CLOSED = 0;
const R_REMOTE_CLOSED = 1;
const R_FAILED = 2;
const R_TIMEOUT = 3;
/** Frame copies are cut from slabs of this size (offsets fit 16 bits); larger frames get their own buffer. */
const SLAB_BYTES = 64 * 1024;

/**
 * What the transport needs of the node an operation comes from: its index and id. The node's Net
 * passes itself, so that sending touches no node object.
 */
export interface NodeRef {
  readonly index: number;
  readonly id: PeerId;
}

export class SimTransport {
  private readonly q: EventQueue;
  private slab = new Uint8Array(SLAB_BYTES);
  private slabUsed = 0;
  private readonly keys: PeerKeys;
  /** The simulator's link tables and handlers, by node index. */
  private readonly tables: (LinkTable | null)[];
  private readonly handlers: (NetHandler | null)[];
  constructor(
    private readonly sim: Simulator,
    private readonly opts: NetworkOptions,
    private readonly rng: SeededRng,
  ) {
    this.q = sim.queue;
    this.tables = sim.tables;
    this.handlers = sim.handlers;
    this.keys = new PeerKeys((id) => sim.indexOf(id), sim.ids);
  }

  /** Whether nodes a and b (indexes) can reach each other now; reads no node object. */
  reachable(a: number, b: number): boolean {
    const sim = this.sim;
    return sim.ups[a] === 1 && sim.ups[b] === 1 && sim.groups[a] === sim.groups[b];
  }

  /** Node index's link table, or null before its first link. */
  private table(index: number): LinkTable | null {
    return this.tables[index] as LinkTable | null;
  }

  /** The key of peer in n's link table (see PeerKeys). */
  private keyOf(n: NodeRef, peer: PeerId, make: boolean): number {
    return this.keys.keyOf(n.index, peer, make);
  }

  private idOf(key: number): PeerId {
    return this.keys.idOf(key);
  }

  /** Whether n has a link to peer that is up on n's side. */
  isLinked(n: NodeRef, peer: PeerId): boolean {
    const link = linkAt(this.table(n.index), this.keyOf(n, peer, false));
    return link !== undefined && link.looksUp(n.index);
  }

  /** The peers n has a link up with, in the order the links were listed. */
  linkedPeers(n: NodeRef): PeerId[] {
    const out: PeerId[] = [];
    const t = this.table(n.index);
    if (t === null) return out;
    for (let i = 0; i < t.length; i += 2) {
      const link = t[i + 1] as Link;
      if (link.looksUp(n.index)) out.push(this.idOf(t[i] as number));
    }
    return out;
  }

  /** Close every link of n without telling n (its Net is closing). */
  closeAll(n: NodeRef): void {
    const t = this.table(n.index);
    if (t === null) return;
    const keys: number[] = [];
    for (let i = 0; i < t.length; i += 2) keys.push(t[i] as number);
    for (const key of keys) this.disconnectKey(n, key, true);
  }

  connect(n: NodeRef, peer: PeerId): void {
    const key = this.keyOf(n, peer, true);
    if (position(this.table(n.index), key) >= 0) return;
    this.sim.stats.connects++;
    if (key < 0) {
      // Unknown, or n itself: the attempt fails after the connect timeout.
      const link = this.q.links.take(n.index, key, 0);
      this.list(n.index, key, link);
      this.q.push(this.eventAt(EV_CONN_FAIL, n.index, key, peer, link), this.sim.now() + this.opts.connectTimeoutMs);
      return;
    }
    const pending = linkAt(this.table(key), n.index);
    if (pending !== undefined && !pending.dead && pending.closedBy < 0) {
      // The peer is connecting to us at the same moment: both sides end up with its link.
      this.list(n.index, key, pending);
      return;
    }
    const link = this.q.links.take(n.index, key, sampleLatency(this.opts.latency, this.rng));
    this.list(n.index, key, link);
    const time = this.sim.now() + link.latencyMs;
    this.q.push(this.eventAt(EV_CONN_REQ, key, n.index, n.id, link), time);
    link.lastAB = time;
  }

  /**
   * Queue a frame. The receiver gets a copy of the bytes and, when the sender passed it, the
   * value they encode: it may use that instead of decoding the bytes (see NetHandler.onMessage).
   */
  send(n: NodeRef, peer: PeerId, frame: Uint8Array, value?: unknown): boolean {
    const link = linkAt(this.table(n.index), this.keyOf(n, peer, false));
    if (link === undefined || link.dead || !link.isUp(n.index)) {
      if (link === undefined || !link.looksUp(n.index)) return false;
      // Sent into a crashed peer's link that still looks up: lost on the way.
      this.sim.stats.framesSent++;
      this.sim.stats.framesDropped++;
      return true;
    }
    const opts = this.opts;
    const stats = this.sim.stats;
    stats.framesSent++;
    if (opts.breakRate > 0 && this.rng.next() < opts.breakRate) {
      this.breakLink(link, R_FAILED);
      return true;
    }
    let delay = link.latencyMs;
    if (opts.jitterMs > 0) delay += this.rng.next() * opts.jitterMs;
    const raw = opts.mode === 'raw';
    if (opts.lossRate > 0 && this.rng.next() < opts.lossRate) {
      if (raw) {
        stats.framesDropped++;
        return true;
      }
      delay += opts.retransmitMs;
    }
    const at = this.copy(frame);
    const buf = at < 0 ? new Uint8Array(frame) : this.slab;
    const offset = at < 0 ? 0 : at;
    this.deliverAfter(n, link, buf, offset, frame.length, value, delay, raw && opts.reorder);
    if (raw && opts.dupRate > 0 && this.rng.next() < opts.dupRate) this.deliverAfter(n, link, buf, offset, frame.length, value, delay, opts.reorder);
    return true;
  }

  /**
   * The receiver gets its own copy of the bytes (the sender may reuse its buffer). Small frames
   * are cut from a shared slab, as Node's Buffer pool does: one ArrayBuffer per frame would cost
   * more to allocate and collect than copying the frame. Returns the copy's offset in the current
   * slab, or -1 for a frame too large for one (the caller copies it into a buffer of its own).
   */
  private copy(frame: Uint8Array): number {
    const n = frame.length;
    if (n > SLAB_MAX_FRAME_BYTES) return -1;
    if (this.slabUsed + n > SLAB_BYTES) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    this.slab.set(frame, at);
    this.slabUsed += n;
    return at;
  }

  private deliverAfter(n: NodeRef, link: Link, buf: Uint8Array, offset: number, size: number, value: unknown, delayMs: number, reorder: boolean): void {
    const slot = this.eventAt(EV_DELIVER, link.other(n.index), n.index, n.id, link);
    this.q.setFrame(slot, buf, offset, size);
    if (value !== undefined) this.q.setValue(slot, value);
    const time = this.sim.now() + delayMs;
    if (reorder) this.q.push(slot, time);
    else this.keepFifo(link, n.index, slot, time);
  }

  /** Hold an event back behind the previous one in the same direction: links are FIFO. */
  private keepFifo(link: Link, from: number, slot: number, time: number): void {
    if (from === link.a) {
      if (time < link.lastAB) time = link.lastAB;
      link.lastAB = time;
    } else {
      if (time < link.lastBA) time = link.lastBA;
      link.lastBA = time;
    }
    this.q.push(slot, time);
  }

  /** Close our side now; the peer hears 'remote-closed' after the frames already in flight. */
  disconnect(n: NodeRef, peer: PeerId, silent = false): void {
    this.disconnectKey(n, this.keyOf(n, peer, false), silent);
  }

  private disconnectKey(n: NodeRef, key: number, silent: boolean): void {
    const link = linkAt(this.table(n.index), key);
    if (link === undefined) return;
    this.unlist(n.index, key, link);
    if (link.closedBy < 0) link.closedBy = n.index;
    const other = link.other(n.index);
    if (!silent) this.linkDown(n.index, other, this.idOf(key), link, R_CLOSED, 0);
    if (other < 0 || link.dead) return;
    const slot = this.eventAt(EV_LINK_DOWN, other, n.index, n.id, link);
    this.q.setReason(slot, R_REMOTE_CLOSED);
    this.keepFifo(link, n.index, slot, this.sim.now() + link.latencyMs);
  }

  /** A crash: every link of the node dies at once; peers notice after the detection delay. */
  crash(n: SimNodeState): void {
    const t = this.table(n.index);
    if (t === null) return;
    for (let i = 1; i < t.length; i += 2) {
      this.breakLink(t[i] as Link, R_TIMEOUT);
      if (this.opts.silentCrashes) (t[i] as Link).silent = true;
    }
    for (let i = 1; i < t.length; i += 2) {
      const link = t[i] as Link;
      link.setListed(n.index, false);
      this.q.links.release(link);
    }
    this.tables[n.index] = null;
  }

  /** Kill every link that crosses groups (after groups changed). */
  cutPartitionedLinks(nodes: SimNodeState[]): void {
    for (const n of nodes) {
      const t = this.table(n.index);
      if (t === null) continue;
      for (let i = 1; i < t.length; i += 2) {
        const link = t[i] as Link;
        if (link.dead || link.b < 0) continue;
        if (this.sim.groups[link.a] !== this.sim.groups[link.b]) this.breakLink(link, R_TIMEOUT);
      }
    }
  }

  private breakLink(link: Link, reason: number): void {
    if (link.dead) return;
    link.dead = true;
    this.sim.stats.linkBreaks++;
    for (const side of [link.a, link.b]) {
      if (side < 0) continue;
      const peerId = link.b < 0 ? null : this.sim.ids[link.other(side)]!;
      if (peerId === null || !link.listed(side)) continue;
      this.linkDown(side, link.other(side), peerId, link, reason, this.opts.failureDetectionMs);
    }
  }

  /** Dispatch the network event in a slot; the caller frees the slot afterwards. */
  dispatch(slot: number): void {
    const q = this.q;
    const index = q.node(slot);
    const link = q.link(slot);
    const peerId = q.peerId(slot);
    // An event's peer field is the index of the node its peer id names (negative for ids that
    // name no other node): the handler is likely to ask for that id next.
    const peer = q.peer(slot);
    if (peer >= 0) this.sim.noteIndex(peerId, peer);
    switch (q.kind(slot)) {
      case EV_DELIVER:
        // (Node state is read from the simulator's arrays by index, not from the node object.)
        if (link.dead || link.closedBy === index || this.sim.ups[index] === 0) {
          this.sim.stats.framesDropped++;
          return;
        }
        this.sim.stats.framesDelivered++;
        this.handlers[index]?.onMessage(peerId, q.frame(slot)!, q.value(slot));
        return;
      case EV_CONN_REQ:
        return this.onRequest(index, link, peer, peerId);
      case EV_CONN_ACK:
        if (link.dead || !link.listed(index) || link.isUp(index)) return;
        link.setUp(index);
        this.handlers[index]?.onLinkUp(peerId);
        return;
      case EV_CONN_FAIL:
        if (!link.listed(index) || link.isUp(index)) return;
        this.unlist(index, link.other(index), link);
        link.dead = true;
        this.sim.stats.connectFailures++;
        this.handlers[index]?.onLinkDown(peerId, 'connect-failed');
        return;
      case EV_LINK_DOWN:
        return this.onLinkDown(index, link, peerId, q.reason(slot), q.epoch(slot));
    }
  }

  /** A connect request from node a (whose id is aId) reaches node b. Reads no node object. */
  private onRequest(b: number, link: Link, a: number, aId: PeerId): void {
    if (link.dead || link.closedBy >= 0) return;
    const sim = this.sim;
    const bId = sim.ids[b]!;
    if (!this.reachable(a, b)) {
      // The initiator learns nothing until its connect attempt times out.
      const fail = this.eventAt(EV_CONN_FAIL, a, b, bId, link);
      this.q.push(fail, sim.now() + Math.max(0, this.opts.connectTimeoutMs - link.latencyMs));
      return;
    }
    const current = linkAt(this.table(b), a);
    if (current !== link) {
      // A stale link from before the peer restarted: the new connection replaces it.
      if (current !== undefined) {
        this.unlist(b, a, current);
        current.dead = true;
        if (current.isUp(b)) this.handlers[b]?.onLinkDown(aId, 'failed');
      }
      this.list(b, a, link);
    }
    if (!link.isUp(b)) {
      link.setUp(b);
      this.handlers[b]?.onLinkUp(aId);
    }
    const ack = this.eventAt(EV_CONN_ACK, a, b, bId, link);
    this.keepFifo(link, b, ack, sim.now() + link.latencyMs);
  }

  private onLinkDown(index: number, link: Link, peerId: PeerId, reason: number, epoch: number): void {
    if (reason === R_CLOSED) {
      if (epoch === this.sim.epochs[index]) this.handlers[index]?.onLinkDown(peerId, 'closed');
      return;
    }
    if (!link.listed(index)) return;
    this.unlist(index, link.other(index), link);
    link.dead = true;
    const wasUp = link.isUp(index);
    this.handlers[index]?.onLinkDown(peerId, wasUp ? LINK_DOWN_REASONS[reason]! : 'connect-failed');
  }

  private linkDown(at: number, peer: number, peerId: PeerId, link: Link, reason: number, delayMs: number): void {
    const slot = this.eventAt(EV_LINK_DOWN, at, peer, peerId, link);
    this.q.setReason(slot, reason);
    this.q.push(slot, this.sim.now() + delayMs);
  }

  /**
   * Put a link at the end of n's table under the peer's key (which the table does not hold yet);
   * Link.listed() mirrors the tables.
   */
  private list(index: number, key: number, link: Link): void {
    appendPair(this.tables, index, key, link);
    link.setListed(index, true);
  }

  /** Take the peer key's link out of node index's table, keeping the order of the others. */
  private unlist(index: number, key: number, link: Link): void {
    removePair(this.tables[index]!, key);
    link.setListed(index, false);
    this.q.links.release(link);
  }

  /**
   * A network event at the node of the given index, with that node's current epoch read from
   * sim.epochs rather than from its node object, which the sender need not touch.
   */
  private eventAt(kind: number, at: number, peer: number, peerId: PeerId, link: Link): number {
    const q = this.q;
    const slot = q.alloc(kind, at, this.sim.epochs[at]!);
    q.setNet(slot, peer, peerId, link);
    return slot;
  }
}
