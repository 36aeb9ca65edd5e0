// A Signaler over the rendezvous server's WebSocket (see src/services/signal/rendezvous.ts). Used for a
// peer's first contact: it proves its id to the server, learns a few live contacts, and relays
// offers/answers/candidates to them until it has a link and can signal through the overlay.
// The WebSocket constructor is injected: `ws` in Node 20, the global one in a browser.
import type { PeerId } from '../core/id.js';
import { bytesToHex } from '../core/id.js';
import { check } from '../core/codec.js';
import { TimeoutError, CumulusError } from '../core/errors.js';
import type { Clock } from '../env/ports.js';
import type { Identity } from './identity.js';
import type { SignalMessage, Signaler } from '../services/signal/messages.js';
import { HANDSHAKE_TIMEOUT_MS, ServerMessageSchema, helloPayload, type IceConfig, type ServerMessage } from '../services/signal/rendezvous.js';

interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export interface WsSignalerOptions {
  WebSocket?: WebSocketCtor;
  clock: Clock;
  /** How long the challenge/hello/welcome exchange may take (default HANDSHAKE_TIMEOUT_MS). */
  joinTimeoutMs?: number;
}

/** An error the server sent back, by its wire code. */
export class SignalServerError extends CumulusError {
  constructor(readonly wireCode: string, message: string) {
    super('REFUSED', `signaling server: ${wireCode}: ${message}`, { wireCode });
  }
}

const WS_OPEN = 1;
/** Server errors kept for inspection; older ones are dropped. */
const MAX_KEPT_ERRORS = 16;

export class WsSignaler implements Signaler {
  /** The contacts the server handed out at join. */
  contacts: PeerId[] = [];
  peersAtJoin = 0;
  /** The STUN/TURN servers the server handed us (TURN credentials of our own, expiring), if any. */
  ice: IceConfig | null = null;
  readonly errors: SignalServerError[] = [];
  signalsSent = 0;
  signalsReceived = 0;
  private handler: (from: PeerId, msg: SignalMessage) => void = () => {};
  private contactWaiters: Array<(c: PeerId[]) => void> = [];
  private closedListeners: Array<() => void> = [];
  private iceListener: ((ice: IceConfig) => void) | null = null;
  private contactsListener: ((contacts: PeerId[]) => void) | null = null;

  private constructor(private readonly ws: WebSocketLike) {}

  /** Connect, prove our id, and resolve once the server has welcomed us. */
  static connect(url: string, identity: Identity, opts: WsSignalerOptions): Promise<WsSignaler> {
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    if (!Ctor) return Promise.reject(new CumulusError('INVALID_ARGUMENT', 'no WebSocket constructor: pass one (e.g. from the ws package)'));
    const ws = new Ctor(signalUrl(url));
    const s = new WsSignaler(ws);
    const timeoutMs = opts.joinTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      let joined = false;
      const timer = opts.clock.setTimer(timeoutMs, () => {
        if (joined) return;
        reject(new TimeoutError('joining the signaling server', timeoutMs));
        ws.close();
      });
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        opts.clock.cancel(timer);
        // A request for contacts the server will not answer now: no contacts.
        for (const w of s.contactWaiters.splice(0)) w([]);
        for (const f of s.closedListeners.splice(0)) f();
        if (!joined) reject(s.errors.at(-1) ?? new CumulusError('PEER_GONE', `signaling server closed the connection (${ev.code ?? '?'} ${ev.reason ?? ''})`));
      };
      ws.onmessage = (ev) => {
        const m = parseServerMessage(ev.data);
        if (!m) return;
        if (m.type === 'challenge') {
          const sig = identity.sign(helloPayload(m.nonce, identity.id));
          ws.send(JSON.stringify({ type: 'hello', id: identity.id, publicKey: bytesToHex(identity.publicKey), sig: bytesToHex(sig) }));
        } else if (m.type === 'welcome') {
          joined = true;
          opts.clock.cancel(timer);
          s.contacts = m.contacts as PeerId[];
          s.peersAtJoin = m.peers;
          s.ice = m.ice ?? null;
          resolve(s);
        } else {
          s.onServerMessage(m);
        }
      };
    });
  }

  send(to: PeerId, msg: SignalMessage): void {
    if (this.ws.readyState !== WS_OPEN) return;
    this.signalsSent++;
    this.ws.send(JSON.stringify({ type: 'signal', to, msg }));
  }

  setHandler(fn: (from: PeerId, msg: SignalMessage) => void): void {
    this.handler = fn;
  }

  /** Ask the server for a fresh set of contacts. */
  requestContacts(): Promise<PeerId[]> {
    if (this.ws.readyState !== WS_OPEN) return Promise.resolve([]);
    this.ws.send(JSON.stringify({ type: 'contacts' }));
    return new Promise((resolve) => this.contactWaiters.push(resolve));
  }

  /** Ask for fresh TURN credentials; the answer goes to the onIce listener. */
  requestIce(): void {
    if (this.ws.readyState === WS_OPEN) this.ws.send(JSON.stringify({ type: 'ice' }));
  }

  /** Contacts the server sends unasked: peers of its ring for us to meet, in case we stand on another. */
  onContacts(fn: (contacts: PeerId[]) => void): void {
    this.contactsListener = fn;
  }

  onIce(fn: (ice: IceConfig) => void): void {
    this.iceListener = fn;
  }

  onClosed(fn: () => void): void {
    this.closedListeners.push(fn);
  }

  close(): void {
    this.ws.close(1000, 'bye');
  }

  private onServerMessage(m: ServerMessage): void {
    if (m.type === 'signal') {
      this.signalsReceived++;
      this.handler(m.from as PeerId, m.msg);
    } else if (m.type === 'contacts') {
      const waiters = this.contactWaiters.splice(0);
      for (const w of waiters) w(m.contacts as PeerId[]);
      // Contacts nobody asked for: the server asks us to meet its ring (hub.pushContacts).
      if (waiters.length === 0) this.contactsListener?.(m.contacts as PeerId[]);
    } else if (m.type === 'ice') {
      this.ice = m.ice;
      this.iceListener?.(m.ice);
    } else if (m.type === 'error') {
      this.errors.push(new SignalServerError(m.code, m.message));
      if (this.errors.length > MAX_KEPT_ERRORS) this.errors.shift();
    }
  }
}

/** http(s)://host:port[/] → ws(s)://host:port/signal; ws URLs are taken as given. */
export function signalUrl(url: string): string {
  if (/^wss?:\/\//.test(url)) return url;
  return url.replace(/^http/, 'ws').replace(/\/?$/, '/signal');
}

/** Even the server is checked: a broken or hostile one must not crash the peer. */
function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const r = check(ServerMessageSchema, JSON.parse(data), 'server message');
    return r.ok ? r.value : null;
  } catch {
    return null;
  }
}
