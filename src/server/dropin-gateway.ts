// The drop-in gateway: web pages ask it for a slot of a form's resource and it asks the ring
// through the server's own peer, an ordinary solicitor of the coordination service. The owner of
// the resource decides and replicates as for any solicitor; the gateway only holds the leases on
// the pages' behalf, and hands a lease a page gave back to the next page waiting for the same
// resource (dropin-pool.ts). A granted page is given a ticket and submits its form natively; the
// lease stays held (renewed by the solicitor) until the page says the answer has arrived (from
// pagehide, or the next page of the tab from session storage), or holdMs after the grant at the
// latest. Everything a page sends is untrusted and bounded: requests per page, pages, held
// tickets, resources.
import type { Clock, Rng, TimerHandle } from '../env/ports.js';
import { bytesToHex, hashNameToId, idToHex } from '../core/id.js';
import { TimeoutError } from '../core/errors.js';
import { CoordRefusedError } from '../services/coord/solicitor.js';
import type { CoordLease } from '../services/coord/lease.js';
import { ResourcePool, type Slot } from './dropin-pool.js';
import type { CoordResource } from '../host/dashboard-snapshot.js';
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
/** Resources with leases held or pages waiting at once; an idle resource's pool is forgotten. */
export const MAX_POOLS = 10_000;

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
  /** Grants that were a lease handed from one page to the next without asking the owner again. */
  handovers: number;
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
  pool: ResourcePool;
  slot: Slot;
  timer: TimerHandle;
}

/** One connected page. */
export class DropinPage {
  /** Requests not yet answered, by the page's id. */
  readonly open = new Map<number, { cancel(): void }>();
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
    for (const r of [...this.open.values()]) r.cancel();
    this.gateway.onClose();
  }
}

export class DropinGateway {
  readonly stats: DropinStats = {
    pages: 0, pagesServed: 0, requests: 0, granted: 0,
    refused: Object.fromEntries(DROPIN_REASONS.map((r) => [r, 0])) as Record<DropinReason, number>,
    released: { pagehide: 0, 'next-page': 0, cancel: 0, 'hold-expired': 0, abandoned: 0 },
    handovers: 0, leasesLost: 0, held: 0, unguarded: 0, badMessages: 0,
  };
  private peer: DropinPeer | null = null;
  private readonly held = new Map<string, Held>();
  private readonly pools = new Map<string, ResourcePool>();

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
      case 'cancel':
        return page.open.get(m.id)?.cancel();
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

  /**
   * The busiest resources now (most pages holding or queued first), at most `max`: what the
   * gateway knows already, for the dashboard. Idle pools, about to be forgotten, are left out.
   */
  resources(max: number): CoordResource[] {
    const out: CoordResource[] = [];
    for (const [name, pool] of this.pools) if (!pool.idle) out.push({ name, ...pool.view() });
    out.sort((a, b) => b.held + b.waiting - (a.held + a.waiting) || (a.name < b.name ? -1 : 1));
    return out.slice(0, max);
  }

  countBad(): void {
    this.stats.badMessages++;
  }

  /** Leases still held when the server stops are given back rather than left to expire. */
  close(): void {
    for (const t of [...this.held.keys()]) this.release(t, 'cancel');
    for (const pool of this.pools.values()) pool.close();
  }

  private refuse(page: DropinPage, id: number, reason: DropinReason): void {
    this.stats.refused[reason]++;
    page.send({ type: 'refused', id, reason });
  }

  /** The pool of a resource, made on first use; null at MAX_POOLS or when the capacity disagrees. */
  private poolOf(peer: DropinPeer, name: string, capacity: number): ResourcePool | null {
    const have = this.pools.get(name);
    if (have && (have.capacity === capacity || !have.idle)) return have.capacity === capacity ? have : null;
    if (this.pools.size >= MAX_POOLS) for (const [n, p] of this.pools) if (p.idle) this.pools.delete(n);
    if (this.pools.size >= MAX_POOLS) return null;
    const pool = new ResourcePool(capacity, this.clock, (waitMs) => peer.semaphore(name, { capacity }).acquire({ waitMs }), reasonOf);
    this.pools.set(name, pool);
    return pool;
  }

  private async acquire(page: DropinPage, m: Extract<PageMessage, { type: 'acquire' }>): Promise<void> {
    this.stats.requests++;
    if (page.open.has(m.id)) return this.refuse(page, m.id, 'bad-request');
    if (page.open.size >= DROPIN_MAX_REQUESTS_PER_PAGE || this.held.size >= MAX_HELD_TICKETS) return this.refuse(page, m.id, 'server-busy');
    const peer = this.peer;
    if (!peer || !peer.status().joined) return this.refuse(page, m.id, 'not-joined');
    const name = dropinResource(page.origin, m.path);
    const pool = this.poolOf(peer, name, m.capacity);
    // A page whose capacity disagrees with the pool's asks the owner itself, which says why not.
    const waiting = pool ? pool.acquire(m.waitMs) : null;
    const result: Promise<Slot | DropinReason> = waiting ? waiting.result : this.askAlone(peer, name, m.capacity, m.waitMs);
    // Said at once: it tells the page the gateway is alive, so a page can tell a long queue from a
    // frozen server (it fails open only on the latter).
    page.send({ type: 'received', id: m.id });
    page.open.set(m.id, { cancel: () => waiting?.cancel() });
    const r = await result;
    page.open.delete(m.id);
    if (typeof r === 'string') return this.refuse(page, m.id, r);
    if (page.closed) {
      this.stats.released.abandoned++;
      return pool!.release(r);
    }
    if (r.uses > 1) this.stats.handovers++;
    const ticket = bytesToHex(this.rng.bytes(16));
    const timer = this.clock.setTimer(m.holdMs, () => this.release(ticket, 'hold-expired'));
    this.held.set(ticket, { pool: pool!, slot: r, timer });
    this.stats.held = this.held.size;
    r.lease.onLost(() => {
      const h = this.held.get(ticket);
      if (!h || h.slot !== r) return;
      this.forget(ticket, h);
      h.pool.lost(r);
      this.stats.leasesLost++;
    });
    this.stats.granted++;
    page.send({ type: 'granted', id: m.id, ticket, holdMs: m.holdMs });
  }

  /**
   * A page whose capacity disagrees with its resource's pool asks the owner without a pool: the
   * owner refuses it (capacity-mismatch) while others hold the resource at another capacity. A
   * lease it does get could not be handed over safely, so it is given back and the page told why.
   */
  private async askAlone(peer: DropinPeer, name: string, capacity: number, waitMs: number): Promise<DropinReason> {
    try {
      await (await peer.semaphore(name, { capacity }).acquire({ waitMs })).release();
      return 'capacity-mismatch';
    } catch (e) {
      return reasonOf(e);
    }
  }

  private forget(ticket: string, h: Held): void {
    this.held.delete(ticket);
    this.stats.held = this.held.size;
    this.clock.cancel(h.timer);
  }

  /** Release a ticket's lease; unknown tickets (already released, or never ours) are ignored. */
  private release(ticket: string, from: ReleaseSource | 'hold-expired'): void {
    const h = this.held.get(ticket);
    if (!h) return;
    this.forget(ticket, h);
    this.stats.released[from]++;
    h.pool.release(h.slot);
  }
}
