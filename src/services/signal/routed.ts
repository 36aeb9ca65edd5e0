// The Signaler a real peer hands its Net: the rendezvous server for first contacts, the overlay for
// every later link. A new offer goes through the overlay once the peer is on the ring and linked,
// and through the server only before that (or when the overlay has no route, or an offer to the
// same peer through the overlay gave no link); answers and
// candidates go back the way the attempt's first message came, so a joining peer that is not yet
// routable still hears its answer. It also records which way each link was signaled, for the
// "links via overlay" figure.
import type { PeerId } from '../../core/id.js';
import type { SignalMessage, Signaler } from './messages.js';

export type SignalPath = 'server' | 'overlay';

/** The overlay side: it says whether it could route the message (OverlaySignaler's stats tell). */
export interface OverlayPath extends Signaler {
  readonly stats: { unroutable: number };
}

/** Attempts whose path is remembered; older ones are forgotten first. */
const MAX_REMEMBERED_ATTEMPTS = 1024;
/** Peers named by the server to offer to through it (Peer.meet takes two at a time); the oldest is forgotten first. */
const MAX_SERVER_FIRST = 16;

export class RoutedSignaler implements Signaler {
  readonly stats = { viaServer: 0, viaOverlay: 0, linksViaServer: 0, linksViaOverlay: 0, dropped: 0 };
  private handler: (from: PeerId, msg: SignalMessage) => void = () => {};

  constructor(private readonly self: PeerId) {}

  private overlay: OverlayPath | null = null;
  private server: Signaler | null = null;
  private canUseOverlay: () => boolean = () => false;
  /** sid → the path its first message took, in insertion order for eviction. */
  private readonly paths = new Map<string, SignalPath>();
  /** peer → path of our latest offer to it, to attribute the link when it comes up. */
  private readonly offered = new Map<PeerId, SignalPath>();
  /** Peers the server named (they may stand on another ring), whose next offer goes through the server. */
  private readonly serverFirst = new Set<PeerId>();

  /** The server's signaler; null when there is none (server down, or running without one). */
  setServer(server: Signaler | null): void {
    this.server = server;
    server?.setHandler((from, msg) => this.receive('server', from, msg));
  }

  setOverlay(overlay: OverlayPath, ready: () => boolean): void {
    this.overlay = overlay;
    this.canUseOverlay = ready;
    overlay.setHandler((from, msg) => this.receive('overlay', from, msg));
  }

  setHandler(fn: (from: PeerId, msg: SignalMessage) => void): void {
    this.handler = fn;
  }

  /**
   * Offer a link to these peers through the server until one is up: the server named them, and they may
   * stand on a ring our own does not route to yet (the overlay would drop the offer at the peer
   * of ours nearest their id).
   */
  preferServer(peers: readonly PeerId[]): void {
    for (const p of peers) {
      this.serverFirst.add(p);
      if (this.serverFirst.size > MAX_SERVER_FIRST) this.serverFirst.delete(this.serverFirst.values().next().value as PeerId);
    }
  }

  /** Whether the rendezvous server is connected. */
  hasServer(): boolean {
    return this.server !== null;
  }

  send(to: PeerId, msg: SignalMessage): void {
    let path = this.paths.get(msg.sid) ?? this.choose(to, msg);
    if (path === 'overlay' && !this.sendOverlay(to, msg)) path = 'server';
    if (path === 'server') {
      if (!this.server) return void this.stats.dropped++;
      this.server.send(to, msg);
      this.stats.viaServer++;
    }
    this.remember(msg.sid, path);
    if (msg.type === 'offer') this.rememberOffer(to, path);
  }

  /**
   * Count the link to peer under the path that signaled our offer; the Net's link-up calls this.
   * Only the offering side counts, so each link is counted once across the cloud.
   */
  linkUp(peer: PeerId): void {
    const path = this.offered.get(peer);
    if (path === 'server') this.stats.linksViaServer++;
    else if (path === 'overlay') this.stats.linksViaOverlay++;
    this.offered.delete(peer);
    this.serverFirst.delete(peer);
  }

  private choose(to: PeerId, msg: SignalMessage): SignalPath {
    if (msg.type === 'offer' && this.serverFirst.has(to) && this.server) return 'server';
    // A new offer to a peer whose last offer went through the overlay and gave no link: that way
    // did not reach it (a relay that could not route, say), so this attempt takes the server.
    if (msg.type === 'offer' && this.offered.get(to) === 'overlay' && this.server) return 'server';
    return this.overlay && this.canUseOverlay() ? 'overlay' : 'server';
  }

  private sendOverlay(to: PeerId, msg: SignalMessage): boolean {
    const o = this.overlay;
    if (!o) return false;
    const before = o.stats.unroutable;
    o.send(to, msg);
    if (o.stats.unroutable !== before) return false;
    this.stats.viaOverlay++;
    return true;
  }

  private receive(path: SignalPath, from: PeerId, msg: SignalMessage): void {
    this.remember(msg.sid, path);
    // An offer from the peer makes it the offerer, unless both offered at once and our lower id
    // wins the glare (the same rule as WebRtcNet.onOffer).
    if (msg.type === 'offer' && !(this.offered.has(from) && this.self < from)) this.offered.delete(from);
    this.handler(from, msg);
  }

  private remember(sid: string, path: SignalPath): void {
    if (this.paths.has(sid)) return;
    this.paths.set(sid, path);
    if (this.paths.size > MAX_REMEMBERED_ATTEMPTS) this.paths.delete(this.paths.keys().next().value as string);
  }

  private rememberOffer(peer: PeerId, path: SignalPath): void {
    this.offered.delete(peer);
    this.offered.set(peer, path);
    if (this.offered.size > MAX_REMEMBERED_ATTEMPTS) this.offered.delete(this.offered.keys().next().value as PeerId);
  }
}
