// The signal service: a Signaler that carries offers, answers and candidates through the overlay,
// addressed to the target's peer id. Once a peer has its first link (signaled through the
// rendezvous server), every later link — successors, fingers, task peers — is set up this way,
// so the server's work grows with joins, not with traffic.
//
// The envelope's source is not authenticated by the overlay, and need not be: offers and answers
// carry a signature over the DTLS fingerprint that the receiving Net checks against the claimed id
// (src/runtime/signaler.ts), and a forged candidate cannot get past DTLS.
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import { parseSignal, type SignalMessage, type Signaler } from './messages.js';

export const SIGNAL_SVC = 'signal';

/** The part of a Chord ring (src/overlay/ring.ts) this service uses. */
export interface SignalRing {
  readonly self: PeerId;
  send(peer: PeerId, svc: string, op: string, body: unknown): boolean;
  onService(svc: string, handler: (env: Envelope) => void): () => void;
}

export interface SignalServiceStats {
  sent: number;
  /** Sends the ring had no route for at the time. */
  unroutable: number;
  delivered: number;
  /** Bodies that failed the schema, or whose op disagrees with the body. */
  badMessages: number;
  /** Messages that reached us but were addressed to another peer (or to a key). */
  misaddressed: number;
}

export class OverlaySignaler implements Signaler {
  readonly stats: SignalServiceStats = { sent: 0, unroutable: 0, delivered: 0, badMessages: 0, misaddressed: 0 };
  private handler: (from: PeerId, msg: SignalMessage) => void = () => {};
  private readonly off: () => void;

  constructor(private readonly ring: SignalRing) {
    this.off = ring.onService(SIGNAL_SVC, (env) => this.onEnvelope(env));
  }

  send(to: PeerId, msg: SignalMessage): void {
    if (this.ring.send(to, SIGNAL_SVC, msg.type, msg)) this.stats.sent++;
    else this.stats.unroutable++;
  }

  setHandler(fn: (from: PeerId, msg: SignalMessage) => void): void {
    this.handler = fn;
  }

  /** Stop receiving; idempotent. */
  stop(): void {
    this.off();
  }

  private onEnvelope(env: Envelope): void {
    // Routing toward a peer id that is not on the ring ends at that id's successor: drop it there.
    if (env.to !== 'peer' || env.dst !== this.ring.self) return void this.stats.misaddressed++;
    const parsed = parseSignal(env.body);
    if (!parsed.ok || parsed.value.type !== env.op) return void this.stats.badMessages++;
    this.stats.delivered++;
    this.handler(env.src as PeerId, parsed.value);
  }
}
