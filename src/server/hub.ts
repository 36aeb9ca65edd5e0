// The signaling hub: who is connected (by proven id) and the relay between them. Transports
// attach to it: WebSocket connections (app.ts) and, in-process, the server's own peer
// (attachLocal), which is how the server stands on the ring like any other peer.
import type { PeerId } from '../core/id.js';
import type { Rng } from '../env/ports.js';
import type { SignalMessage, Signaler } from '../services/signal/messages.js';
import { CONTACTS_PER_JOIN, type ServerMessage, type SignalErrorCode } from '../services/signal/rendezvous.js';

export interface HubClient {
  deliver(msg: ServerMessage): void;
  /** End the connection with a fatal error (a WebSocket client; an in-process peer has none). */
  close?(code: SignalErrorCode, message: string): void;
  /** What the peer runs in, as its connection told (a browser sends its User-Agent): for the dashboard. */
  agent?: 'browser' | 'node';
}

/** Who the hub names as contacts, when something better than "any connected peer" knows (ring-members.ts). */
export interface ContactSource {
  contacts(exclude: PeerId, n: number): PeerId[];
}

export interface HubStats {
  joins: number;
  signalsRelayed: number;
  signalsUndeliverable: number;
  rejectedMessages: Record<string, number>;
}

/** Most peers the hub tracks at once; a join beyond this is refused by the transport. */
export const MAX_HUB_PEERS = 100_000;

export class SignalHub {
  readonly stats: HubStats = { joins: 0, signalsRelayed: 0, signalsUndeliverable: 0, rejectedMessages: {} };
  private readonly clients = new Map<PeerId, HubClient>();
  private readonly order: PeerId[] = [];
  private readonly watchers = new Set<(id: PeerId, present: boolean) => void>();
  private source: ContactSource | null = null;
  /** The server's own peer when it stands beside the ring (attachLocal): never a contact, not counted as a ring peer. */
  private beside: PeerId | null = null;

  constructor(private readonly rng: Rng) {}

  get size(): number {
    return this.clients.size;
  }

  isFull(): boolean {
    return this.clients.size >= MAX_HUB_PEERS;
  }

  /** Be told of every peer that joins or leaves the hub (the gateway's node registry, ring-members.ts); returns the unsubscribe. */
  watch(fn: (id: PeerId, present: boolean) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private tell(id: PeerId, present: boolean): void {
    for (const fn of this.watchers) fn(id, present);
  }

  /**
   * Connected peers that stand or will stand on the ring: all but the server's own peer when it is
   * attached beside the ring. A joiner that hears it is the only one creates the ring.
   */
  ringPeers(): number {
    return this.clients.size - (this.beside !== null && this.clients.has(this.beside) ? 1 : 0);
  }

  /** The connected peers' ids (the dashboard's ring). */
  ids(): PeerId[] {
    return [...this.clients.keys()];
  }

  kindOf(id: PeerId): 'browser' | 'node' | undefined {
    return this.clients.get(id)?.agent;
  }

  has(id: PeerId): boolean {
    return this.clients.has(id);
  }

  /** Close a peer's connection with a fatal error (an in-process peer is never closed). */
  close(id: PeerId, code: SignalErrorCode, message: string): void {
    this.clients.get(id)?.close?.(code, message);
  }

  /** Name contacts from this source from now on (null: any connected peer). */
  setContactSource(source: ContactSource | null): void {
    this.source = source;
  }

  /** Register a proven id; a second connection with the same id replaces the first. */
  join(id: PeerId, client: HubClient): void {
    if (!this.clients.has(id)) this.order.push(id);
    this.clients.set(id, client);
    this.stats.joins++;
    this.tell(id, true);
  }

  leave(id: PeerId, client: HubClient): void {
    if (this.clients.get(id) !== client) return;
    this.clients.delete(id);
    this.tell(id, false);
    const i = this.order.indexOf(id);
    if (i >= 0) {
      this.order[i] = this.order[this.order.length - 1]!;
      this.order.pop();
    }
  }

  /**
   * Send a connected peer the ring's contacts unasked. A peer not found in place on the server's
   * ring may stand on another ring; the server's own peer meets it when it stands on the ring, but
   * an attached one (overlay/attach.ts) cannot, so the peer is asked to meet the ring through these
   * (host/start-peer.ts), as it does when it reconnects. False when it is not connected.
   */
  pushContacts(id: PeerId): boolean {
    const c = this.clients.get(id);
    const contacts = c ? this.contacts(id) : [];
    if (!c || contacts.length === 0) return false;
    c.deliver({ type: 'contacts', contacts });
    return true;
  }

  /** Up to n contacts other than `exclude`: the contact source's, else distinct random connected peers. */
  contacts(exclude: PeerId, n = CONTACTS_PER_JOIN): PeerId[] {
    if (this.source !== null) return this.source.contacts(exclude, n);
    return this.anyConnected(exclude, n);
  }

  /** Up to n distinct random connected peers other than `exclude` (and the server's peer when it stands beside the ring). */
  anyConnected(exclude: PeerId, n: number): PeerId[] {
    const out = new Set<PeerId>();
    const pool = this.order.length;
    for (let tries = 0; out.size < n && tries < n * 4 && pool > 0; tries++) {
      const id = this.order[this.rng.int(pool)]!;
      if (id !== exclude && id !== this.beside) out.add(id);
    }
    return [...out];
  }

  /** Relay one signal; false when the recipient is not connected. */
  relay(from: PeerId, to: PeerId, msg: SignalMessage): boolean {
    const c = this.clients.get(to);
    if (!c) {
      this.stats.signalsUndeliverable++;
      return false;
    }
    this.stats.signalsRelayed++;
    c.deliver({ type: 'signal', from, msg });
    return true;
  }

  countRejected(code: string): void {
    this.stats.rejectedMessages[code] = (this.stats.rejectedMessages[code] ?? 0) + 1;
  }

  /**
   * A Signaler for a peer living inside the server process (the server's own ring peer). Its id
   * needs no proof: the server made the identity itself.
   */
  attachLocal(id: PeerId, opts: { onRing: boolean } = { onRing: true }): Signaler & { detach(): void } {
    let handler: (from: PeerId, msg: SignalMessage) => void = () => {};
    const client: HubClient = {
      // Deliver on a later turn, as a socket would, so no handler runs inside another's call.
      deliver: (m) => {
        if (m.type === 'signal') setTimeout(() => handler(m.from as PeerId, m.msg), 0);
      },
    };
    this.join(id, client);
    if (!opts.onRing) this.beside = id;
    return {
      send: (to, msg) => void this.relay(id, to, msg),
      setHandler: (fn) => void (handler = fn),
      detach: () => {
        if (this.beside === id) this.beside = null;
        this.leave(id, client);
      },
    };
  }
}
