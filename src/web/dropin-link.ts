// The page's connection to the Cumulus server's drop-in gateway: one WebSocket, opened as the
// script runs. It is `ready` once the gateway has greeted it, `down` when it could not be reached
// within CONNECT_BOUND_MS or stopped answering; a lost connection is tried again with a growing
// pause. A request must be acknowledged within ANSWER_BOUND_MS and, while it waits in a queue, the
// gateway must keep answering pings: that is how a page tells a long queue from a frozen server.

import type { DropinReason, GatewayMessage, PageMessage, ReleaseSource } from '../services/coord/dropin-wire.js';

export type LinkState = 'connecting' | 'ready' | 'down';
export type Verdict = { granted: true; ticket: string } | { granted: false; reason: DropinReason };

/** How long a click waits for the gateway before the page treats Cumulus as unreachable. */
export const CONNECT_BOUND_MS = 3000;
/** How long an acquire may go unacknowledged (the gateway answers at once when it is alive). */
const ANSWER_BOUND_MS = 2000;
/** While a request waits, a ping this often; silence for SILENCE_MS means the gateway is gone. */
const PING_EVERY_MS = 1000;
const SILENCE_MS = 5000;
/** How often a waiting page checks the above. */
const WATCH_TICK_MS = 250;
/** After the gateway's own verdict time (wait + its request timeout), the page gives up on it. */
const VERDICT_MARGIN_MS = 5000;
/** Reconnects: the first after 1 s, doubling to 30 s, at most 20 per page. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
const MAX_ATTEMPTS = 20;

interface Pending {
  resolve(v: Verdict): void;
  onReceived?: () => void;
  received: boolean;
  sentMs: number;
  deadlineMs: number;
}

export class GatewayLink {
  state: LinkState = 'connecting';
  /** performance.now() when the link first became ready (the page's "join" time), or null. */
  readyAtMs: number | null = null;
  /** Called each time the gateway greets us. */
  onReady: (() => void) | null = null;
  private ws: WebSocket | null = null;
  private attemptStartMs = 0;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  private lastHeardMs = 0;
  private lastPingMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly stateWaiters = new Set<() => void>();

  constructor(private readonly url: string) {}

  /** Open the connection unless one is open or opening (also: try again now after a failure). */
  connect(): void {
    if (this.ws || this.attempts >= MAX_ATTEMPTS) return;
    clearTimeout(this.retryTimer);
    this.attempts++;
    this.setState('connecting');
    this.attemptStartMs = performance.now();
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      return this.lost();
    }
    this.ws = ws;
    // A frozen server accepts the TCP connection and never answers: after the bound the page
    // stops waiting for it (the socket may still open later, and then the link is ready).
    setTimeout(() => {
      if (this.ws === ws && this.state === 'connecting') this.setState('down');
    }, CONNECT_BOUND_MS);
    ws.onmessage = (ev) => {
      if (this.ws === ws && typeof ev.data === 'string') this.onMessage(ev.data);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.lost();
    };
  }

  /** Close for good (the page is leaving); `connect()` may open it again (a page restored from cache). */
  close(): void {
    const ws = this.ws;
    this.ws = null;
    clearTimeout(this.retryTimer);
    ws?.close();
    this.failAll('unreachable');
    this.attempts = 0;
    this.setState('down');
  }

  /** Ready now, or within the connection's bound: true; unreachable: false. */
  whenSettled(): Promise<boolean> {
    if (this.state !== 'connecting') return Promise.resolve(this.state === 'ready');
    return new Promise((resolve) => {
      const done = () => {
        this.stateWaiters.delete(done);
        clearTimeout(t);
        resolve(this.state === 'ready');
      };
      const t = setTimeout(done, Math.max(0, this.attemptStartMs + CONNECT_BOUND_MS - performance.now()));
      this.stateWaiters.add(done);
    });
  }

  /** Ask for a slot; resolves with the gateway's verdict, or `unreachable`/`timeout` when it fails us. */
  acquire(req: { path: string; capacity: number; waitMs: number; holdMs: number }, onReceived?: () => void): { id: number; verdict: Promise<Verdict> } {
    const id = this.nextId++;
    const verdict = new Promise<Verdict>((resolve) => {
      if (this.state !== 'ready' || !this.send({ type: 'acquire', id, ...req })) return resolve({ granted: false, reason: 'unreachable' });
      const now = performance.now();
      // Silence is counted while something waits: from now, when nothing else did.
      if (this.pending.size === 0) this.lastHeardMs = now;
      this.pending.set(id, { resolve, ...(onReceived ? { onReceived } : {}), received: false, sentMs: now, deadlineMs: now + req.waitMs + VERDICT_MARGIN_MS });
      this.watch();
    });
    return { id, verdict };
  }

  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.send({ type: 'cancel', id });
    this.settle(id, { granted: false, reason: 'cancelled' });
  }

  release(tickets: string[], from: ReleaseSource): void {
    if (tickets.length > 0) this.send({ type: 'release', tickets, from });
  }

  send(m: PageMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(m));
    return true;
  }

  private onMessage(data: string): void {
    let m: GatewayMessage;
    try {
      m = JSON.parse(data) as GatewayMessage;
    } catch {
      return;
    }
    this.lastHeardMs = performance.now();
    if (m.type === 'ready') {
      this.attempts = 0;
      this.readyAtMs ??= performance.now();
      this.setState('ready');
      this.onReady?.();
    } else if (m.type === 'received') {
      const p = this.pending.get(m.id);
      if (p && !p.received) {
        p.received = true;
        p.onReceived?.();
      }
    } else if (m.type === 'granted') {
      this.settle(m.id, { granted: true, ticket: m.ticket });
    } else if (m.type === 'refused') {
      this.settle(m.id, { granted: false, reason: m.reason });
    }
  }

  /** While requests wait: ping, and give up on a gateway that stopped answering. */
  private watch(): void {
    if (this.watchTimer !== undefined) return;
    this.watchTimer = setInterval(() => {
      const now = performance.now();
      if (this.pending.size === 0) {
        clearInterval(this.watchTimer);
        this.watchTimer = undefined;
        return;
      }
      for (const [id, p] of this.pending) if (now > p.deadlineMs) this.settle(id, { granted: false, reason: 'timeout' });
      const unacked = [...this.pending.values()].some((p) => !p.received && now - p.sentMs > ANSWER_BOUND_MS);
      if (unacked || now - this.lastHeardMs > SILENCE_MS) return this.dead();
      if (now - this.lastPingMs < PING_EVERY_MS) return;
      this.lastPingMs = now;
      this.send({ type: 'ping' });
    }, WATCH_TICK_MS);
  }

  private settle(id: number, v: Verdict): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.resolve(v);
  }

  private failAll(reason: DropinReason): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { granted: false, reason });
  }

  /** The gateway stopped answering on an open socket (a frozen server): drop it and try anew later. */
  private dead(): void {
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.lost();
  }

  private lost(): void {
    this.ws = null;
    this.failAll('unreachable');
    this.setState('down');
    clearTimeout(this.retryTimer);
    if (this.attempts < MAX_ATTEMPTS) this.retryTimer = setTimeout(() => this.connect(), Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, this.attempts - 1)));
  }

  private setState(s: LinkState): void {
    if (this.state === s) return;
    this.state = s;
    for (const w of [...this.stateWaiters]) w();
  }
}
