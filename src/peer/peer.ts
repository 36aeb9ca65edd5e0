// A Peer composes what one volunteer runs over one Env: the Mux (the trust boundary for frames and
// the shared link budget), the base Chord ring, and the services that ride on it. Protocol code
// only: the Net, Clock and Rng come from whoever builds the peer (a Node process, a browser tab or
// the simulator), so this file is the same everywhere.
import { type PeerId, type Id } from '../core/id.js';
import type { Clock, Net, Rng } from '../env/ports.js';
import { Mux } from '../overlay/mux.js';
import { ChordRing, type LookupResult, type RingConfig } from '../overlay/ring.js';
import { OverlaySignaler } from '../services/signal/service.js';

export interface PeerOptions {
  clock: Clock;
  rng: Rng;
  net: Net;
  ring?: Partial<RingConfig>;
  /** Open links shared by the rings (default from overlay/constants.ts). */
  maxLinks?: number;
}

/** What a peer says of itself to a dashboard or a bench: its place on the ring. */
export interface PeerStatus {
  id: PeerId;
  joined: boolean;
  successor: PeerId | null;
  predecessor: PeerId | null;
  successors: PeerId[];
  fingers: PeerId[];
  links: number;
}

export class Peer {
  readonly id: PeerId;
  readonly mux: Mux;
  readonly base: ChordRing;
  /** Offers, answers and candidates for later links, routed through the base ring. */
  readonly signal: OverlaySignaler;
  private stopped = false;

  constructor(opts: PeerOptions) {
    this.id = opts.net.self;
    this.mux = new Mux(opts.net, { clock: opts.clock, ...(opts.maxLinks !== undefined ? { maxLinks: opts.maxLinks } : {}) });
    this.base = new ChordRing({ clock: opts.clock, rng: opts.rng.fork('base-ring'), mux: this.mux, self: this.id, ring: 'base', ...(opts.ring ? { config: opts.ring } : {}) });
    const base = this.base;
    const mux = this.mux;
    this.signal = new OverlaySignaler({
      self: this.id,
      send: (peer, svc, op, body) => base.send(peer, svc, op, body),
      onService: (svc, handler) => base.onService(svc, handler),
      isLinked: (peer) => mux.isLinked(peer),
      // The oldest links first: the bootstrap and the first successors, the most stable ones.
      relays: () => mux.links().slice(0, 2),
    });
  }

  /** Create a ring (no contact) or join one through any of the contacts, trying each in turn. */
  async join(contacts: readonly PeerId[]): Promise<void> {
    const others = contacts.filter((c) => c !== this.id);
    if (others.length === 0) return this.base.join(null);
    let last: unknown = null;
    for (const c of others) {
      try {
        return await this.base.join(c);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  lookup(key: Id, timeoutMs?: number): Promise<LookupResult> {
    return this.base.lookup(key, timeoutMs);
  }

  status(): PeerStatus {
    const joined = this.base.isJoined();
    return {
      id: this.id,
      joined,
      successor: joined ? this.base.successor() : null,
      predecessor: this.base.predecessor(),
      successors: this.base.successors(),
      fingers: [...new Set(this.base.fingers().map((f) => f.peer))],
      links: this.mux.linkCount(),
    };
  }

  /**
   * Hand our keys over to our neighbours and stop the rings; idempotent. The links stay open so
   * the leave messages can drain: the owner of the Net closes it a moment later (close()).
   */
  leave(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.signal.stop();
    this.base.leave();
  }

  /** Close every link; call after leave(), or alone to vanish as a crash would. */
  close(): void {
    this.leave();
    this.mux.close();
  }
}
