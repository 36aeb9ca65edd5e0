// The drop-in gateway: web pages ask it for a slot of a form's resource and it asks the ring
// through the server's own peer, an ordinary solicitor of the coordination service. The owner of
// the resource decides and replicates as for any solicitor; the gateway only holds the leases on
// the pages' behalf. A granted page is given a ticket and submits its form natively; the gateway
// keeps the lease (renewed by the solicitor) until the page says the answer has arrived (from
// pagehide, or the next page of the tab from session storage), or holdMs after the grant at the
// latest. Everything a page sends is untrusted and bounded: requests per page, pages, held tickets.
import type { Clock, Rng, TimerHandle } from '../env/ports.js';
import { bytesToHex, hashNameToId, idToHex } from '../core/id.js';
import { TimeoutError } from '../core/errors.js';
import { CoordRefusedError } from '../services/coord/solicitor.js';
import type { CoordLease } from '../services/coord/lease.js';
import {
  DROPIN_MAX_REPORT_COUNT, DROPIN_MAX_REQUESTS_PER_PAGE, DROPIN_PROTOCOL_VERSION, DROPIN_REASONS,
  type DropinReason, type GatewayMessage, type PageMessage, type ReleaseSource,
} from '../services/coord/dropin-wire.js';

/** What the gateway needs of the server's peer (a `Peer`). */
export interface DropinPeer {
  status(): { joined: boolean };
  semaphore(name: string, opts: { capacity: number }): { acquire(opts: { waitMs: number }): Promise<CoordLease> };
}

/** Pages connected at once: each is one open WebSocket, a few hundred bytes of state here. */
export const MAX_DROPIN_PAGES = 20_000;
/** Leases held for pages at once, granted and not yet released (a page holds at most a few). */
export const MAX_HELD_TICKETS = 20_000;

export interface DropinStats {
  /** Pages connected now, and every page that ever connected. */
  pages: number;
  pagesServed: number;
  requests: number;
  granted: number;
  /** Requests not granted, by reason; `unreachable` is what pages reported afterwards. */
  refused: Record<DropinReason, number>;
  /** How granted leases ended. */
  released: Record<ReleaseSource | 'hold-expired' | 'abandoned', number>;
  /** Leases whose renewal failed while held (the ring lost them). */
  leasesLost: number;
  /** Tickets held right now. */
  held: number;
  /** POSTs pages sent unguarded (failing open) and reported once they could reach us again. */
  unguarded: number;
  badMessages: number;
}

/** The resource a form's POSTs contend for: a hash of the page's origin and the action's path. */
export function dropinResource(origin: string, path: string): string {
  return `post:${idToHex(hashNameToId(origin + path))}`;
}

function reasonOf(e: unknown): DropinReason {
  if (e instanceof CoordRefusedError) {
    if (e.reason === 'full' || e.reason === 'wait-expired' || e.reason === 'capacity-mismatch') return e.reason;
    return 'unavailable';
  }
  return e instanceof TimeoutError ? 'timeout' : 'unavailable';
}

interface Held {
  lease: CoordLease;
  timer: TimerHandle;
}

/** One connected page. */
export class DropinPage {
  /** Requests not yet answered, by the page's id; a cancelled one is released when granted. */
  readonly open = new Map<number, { cancelled: boolean }>();
  closed = false;

  constructor(
    private readonly gateway: DropinGateway,
    /** The page's origin (the WebSocket's Origin header, which browsers set themselves). */
    readonly origin: string,
    readonly send: (m: GatewayMessage) => void,
  ) {}

  onMessage(m: PageMessage): void {
    this.gateway.onMessage(this, m);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.open.values()) r.cancelled = true;
    this.gateway.onClose();
  }
}

export class DropinGateway {
  readonly stats: DropinStats = {
    pages: 0, pagesServed: 0, requests: 0, granted: 0,
    refused: Object.fromEntries(DROPIN_REASONS.map((r) => [r, 0])) as Record<DropinReason, number>,
    released: { pagehide: 0, 'next-page': 0, cancel: 0, 'hold-expired': 0, abandoned: 0 },
    leasesLost: 0, held: 0, unguarded: 0, badMessages: 0,
  };
  private peer: DropinPeer | null = null;
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {}

  /** The server's own peer, once it runs; until then every request is refused `not-joined`. */
  attach(peer: DropinPeer | null): void {
    this.peer = peer;
  }

  /** A page connected; null when the gateway serves as many pages as it may. */
  openPage(origin: string, send: (m: GatewayMessage) => void): DropinPage | null {
    if (this.stats.pages >= MAX_DROPIN_PAGES) return null;
    this.stats.pages++;
    this.stats.pagesServed++;
    const page = new DropinPage(this, origin, send);
    send({ type: 'ready', v: DROPIN_PROTOCOL_VERSION });
    return page;
  }

  onClose(): void {
    this.stats.pages--;
  }

  onMessage(page: DropinPage, m: PageMessage): void {
    if (page.closed) return;
    switch (m.type) {
      case 'acquire':
        return void this.acquire(page, m);
      case 'cancel': {
        const r = page.open.get(m.id);
        if (r && !r.cancelled) {
          r.cancelled = true;
          this.stats.refused.cancelled++;
        }
        return;
      }
      case 'release':
        for (const t of m.tickets) this.release(t, m.from);
        return;
      case 'ping':
        return page.send({ type: 'pong' });
      case 'report':
        this.stats.refused.unreachable += Math.min(m.unreachable, DROPIN_MAX_REPORT_COUNT);
        this.stats.unguarded += Math.min(m.unguarded, DROPIN_MAX_REPORT_COUNT);
        return;
    }
  }

  countBad(): void {
    this.stats.badMessages++;
  }

  /** Leases still held when the server stops are given back rather than left to expire. */
  close(): void {
    for (const t of [...this.held.keys()]) this.release(t, 'cancel');
  }

  private refuse(page: DropinPage, id: number, reason: DropinReason): void {
    this.stats.refused[reason]++;
    page.send({ type: 'refused', id, reason });
  }

  private async acquire(page: DropinPage, m: Extract<PageMessage, { type: 'acquire' }>): Promise<void> {
    this.stats.requests++;
    if (page.open.has(m.id)) return this.refuse(page, m.id, 'bad-request');
    if (page.open.size >= DROPIN_MAX_REQUESTS_PER_PAGE || this.held.size >= MAX_HELD_TICKETS) return this.refuse(page, m.id, 'server-busy');
    const peer = this.peer;
    if (!peer || !peer.status().joined) return this.refuse(page, m.id, 'not-joined');
    // Said at once: it tells the page the gateway is alive, so a page can tell a long queue from a
    // frozen server (it fails open only on the latter).
    page.send({ type: 'received', id: m.id });
    const req = { cancelled: false };
    page.open.set(m.id, req);
    let lease: CoordLease;
    try {
      lease = await peer.semaphore(dropinResource(page.origin, m.path), { capacity: m.capacity }).acquire({ waitMs: m.waitMs });
    } catch (e) {
      page.open.delete(m.id);
      if (!req.cancelled) this.refuse(page, m.id, reasonOf(e));
      return;
    }
    page.open.delete(m.id);
    if (req.cancelled || page.closed || !lease.isValid()) {
      void lease.release();
      this.stats.released.abandoned++;
      return;
    }
    const ticket = bytesToHex(this.rng.bytes(16));
    const timer = this.clock.setTimer(m.holdMs, () => this.release(ticket, 'hold-expired'));
    this.held.set(ticket, { lease, timer });
    this.stats.held = this.held.size;
    lease.onLost(() => {
      if (this.held.get(ticket)?.lease !== lease) return;
      this.clock.cancel(timer);
      this.held.delete(ticket);
      this.stats.held = this.held.size;
      this.stats.leasesLost++;
    });
    this.stats.granted++;
    page.send({ type: 'granted', id: m.id, ticket, holdMs: m.holdMs });
  }

  /** Release a ticket's lease; unknown tickets (already released, or never ours) are ignored. */
  private release(ticket: string, from: ReleaseSource | 'hold-expired'): void {
    const h = this.held.get(ticket);
    if (!h) return;
    this.held.delete(ticket);
    this.stats.held = this.held.size;
    this.clock.cancel(h.timer);
    this.stats.released[from]++;
    void h.lease.release();
  }
}
