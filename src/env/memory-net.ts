// An in-process network: a MemoryNetwork hub and one MemoryNet per peer. Every event (link up,
// link down, frame) is delivered asynchronously by queueMicrotask, as a real transport would
// deliver it on a later turn, so callers never see their own handlers re-entered from inside
// connect() or send(). Microtasks run in FIFO order, which keeps frames on a link in order.
import type { PeerId } from '../core/id.js';
import type { LinkDownReason, Net, NetHandler } from './ports.js';

interface MemLink {
  up: boolean;
  dead: boolean;
}

export class MemoryNetwork {
  private readonly peers = new Map<string, MemoryNet>();
  /** Exceptions thrown by handlers; a Net guards itself from them and counts them here. */
  handlerErrors = 0;

  /** Create and register the Net of one peer. */
  join(self: PeerId): MemoryNet {
    const net = new MemoryNet(self, this);
    this.peers.set(self, net);
    return net;
  }

  /** @internal */ lookup(peer: string): MemoryNet | undefined {
    return this.peers.get(peer);
  }

  /** @internal */ remove(net: MemoryNet): void {
    if (this.peers.get(net.self) === net) this.peers.delete(net.self);
  }
}

export class MemoryNet implements Net {
  private handler: NetHandler | null = null;
  private readonly linkMap = new Map<string, MemLink>();
  private closed = false;

  constructor(
    readonly self: PeerId,
    private readonly hub: MemoryNetwork,
  ) {}

  setHandler(handler: NetHandler): void {
    this.handler = handler;
  }

  connect(peer: PeerId): void {
    if (this.closed || this.linkMap.has(peer)) return;
    const remote = this.hub.lookup(peer);
    const shared = remote?.linkMap.get(this.self);
    // The peer is connecting to us at the same moment: share its pending link, so both end with one.
    const link: MemLink = shared !== undefined && !shared.dead ? shared : { up: false, dead: false };
    this.linkMap.set(peer, link);
    if (link === shared) return;
    queueMicrotask(() => {
      const target = this.hub.lookup(peer);
      if (link.dead) return;
      if (target === undefined || target.closed || target === this) {
        link.dead = true;
        if (this.linkMap.get(peer) === link) this.linkMap.delete(peer);
        this.emit((h) => h.onLinkDown(peer, 'connect-failed'));
        return;
      }
      link.up = true;
      target.linkMap.set(this.self, link);
      this.emit((h) => h.onLinkUp(peer));
      target.emit((h) => h.onLinkUp(this.self));
    });
  }

  disconnect(peer: PeerId, reason: LinkDownReason = 'closed'): void {
    const link = this.linkMap.get(peer);
    if (link === undefined) return;
    this.linkMap.delete(peer);
    const wasUp = link.up;
    link.dead = true;
    link.up = false;
    const remote = this.hub.lookup(peer);
    queueMicrotask(() => {
      if (reason !== 'shutdown') this.emit((h) => h.onLinkDown(peer, wasUp ? reason : 'connect-failed'));
      if (wasUp && remote !== undefined && remote.linkMap.get(this.self) === link) {
        remote.linkMap.delete(this.self);
        remote.emit((h) => h.onLinkDown(this.self, 'remote-closed'));
      }
    });
  }

  send(peer: PeerId, frame: Uint8Array): boolean {
    const link = this.linkMap.get(peer);
    if (link === undefined || !link.up || this.closed) return false;
    const remote = this.hub.lookup(peer);
    if (remote === undefined) return false;
    const copy = frame.slice();
    queueMicrotask(() => {
      if (!link.dead) remote.emit((h) => h.onMessage(this.self, copy));
    });
    return true;
  }

  isLinked(peer: PeerId): boolean {
    return this.linkMap.get(peer)?.up === true;
  }

  links(): PeerId[] {
    const out: PeerId[] = [];
    for (const [peer, link] of this.linkMap) if (link.up) out.push(peer as PeerId);
    return out;
  }

  /** Take every link down (peers hear 'remote-closed') and leave the network. */
  close(): void {
    if (this.closed) return;
    for (const peer of [...this.linkMap.keys()]) this.disconnect(peer as PeerId, 'shutdown');
    this.closed = true;
    this.hub.remove(this);
  }

  private emit(call: (h: NetHandler) => void): void {
    if (this.handler === null || this.closed) return;
    try {
      call(this.handler);
    } catch {
      this.hub.handlerErrors++;
    }
  }
}
