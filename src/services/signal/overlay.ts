// The signal service: a Signaler that carries offers, answers and candidates through the overlay,
// addressed to the target's peer id. Once a peer has its first link (signaled through the
// rendezvous server), every later link — successors, fingers, task peers — is set up this way,
// so the server's work grows with joins, not with traffic.
//
// A peer that has just joined is not routable yet: nobody has it as predecessor, successor or
// finger, so a message routed toward its id ends at its successor, which is the very peer it is
// trying to link to. So every message names up to two peers the sender is linked to (`via`), and
// an answer or candidate for a peer we are not linked to goes through one of them (`relay`), which
// hands it over on its link (`relayed`).
//
// The envelope's source is not authenticated by the overlay, and need not be: offers and answers
// carry a signature over the DTLS fingerprint that the receiving Net checks against the claimed id
// (src/runtime/link-claims.ts), and a forged candidate cannot get past DTLS.
import type { Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import { check } from '../../core/codec.js';
import type { RingPort } from '../../overlay/port.js';
import { MAX_RELAY_HINTS, OverlaySignalSchema, RelaySchema, type SignalMessage, type Signaler } from './messages.js';

export const SIGNAL_SVC = 'signal';
/** Relay hints remembered, one entry per peer; the oldest is forgotten first. */
const MAX_HINTED_PEERS = 256;
/** Successors whose links may relay to us: those the ring keeps linked (the overlay's LINKED_SUCCESSORS). */
const RELAY_SUCCESSORS = 2;


export interface SignalServiceStats {
  sent: number;
  /** Sends the ring had no route for at the time. */
  unroutable: number;
  delivered: number;
  /** Messages sent through a relay, and relayed for others. */
  viaRelay: number;
  relayedForOthers: number;
  /** Bodies that failed the schema, or whose op disagrees with the body. */
  badMessages: number;
  /** Messages that reached us but were addressed to another peer (or to a key). */
  misaddressed: number;
}

export class OverlaySignaler implements Signaler {
  readonly stats: SignalServiceStats = { sent: 0, unroutable: 0, delivered: 0, viaRelay: 0, relayedForOthers: 0, badMessages: 0, misaddressed: 0 };
  private handler: (from: PeerId, msg: SignalMessage) => void = () => {};
  private readonly off: () => void;
  private readonly hints = new Map<PeerId, PeerId[]>();

  constructor(private readonly ring: Pick<RingPort, 'self' | 'send' | 'onService' | 'isLinked' | 'links' | 'successors' | 'predecessor'>) {
    this.off = ring.onService(SIGNAL_SVC, (env) => this.onEnvelope(env));
  }

  send(to: PeerId, msg: SignalMessage): void {
    // Not linked to the peer: go through a peer it named as linked to it, or that we were told can
    // reach it (relayThrough): over our link to the relay if we have one, else routed to the relay.
    // A peer that has joined but is not in place yet, or stands on another ring, is not routable
    // (the route toward its id ends elsewhere); its links are.
    const hinted = this.ring.isLinked(to) ? [] : (this.hints.get(to) ?? []).filter((r) => r !== this.ring.self && r !== to);
    const relay = hinted.find((r) => this.ring.isLinked(r)) ?? hinted[0];
    const via = this.relays(to);
    let ok = false;
    if (relay === undefined) ok = this.ring.send(to, SIGNAL_SVC, msg.type, via.length > 0 ? { m: msg, via } : { m: msg });
    // A peer still joining cannot route yet, but its links can: hand the message to one of them.
    const through = relay ?? (ok ? undefined : via[0]);
    if (through !== undefined) {
      ok = this.ring.send(through, SIGNAL_SVC, 'relay', { from: this.ring.self, to, m: msg });
      if (ok) this.stats.viaRelay++;
    }
    if (ok) this.stats.sent++;
    else this.stats.unroutable++;
  }

  setHandler(fn: (from: PeerId, msg: SignalMessage) => void): void {
    this.handler = fn;
  }

  /**
   * Peers of another ring, reached through `via` (a peer of that ring we are linked to) until the
   * rings have merged: our own ring's routes toward their ids end at peers of ours (ChordRing's
   * 'met' event names them).
   */
  relayThrough(peers: readonly PeerId[], via: PeerId): void {
    for (const p of peers) if (p !== this.ring.self && p !== via) this.hint(p, [via]);
  }

  /** Stop receiving; idempotent. */
  stop(): void {
    this.off();
  }

  private onEnvelope(env: Envelope): void {
    // Routing toward a peer id that is not on the ring ends at that id's successor: drop it there.
    if (env.to !== 'peer' || env.dst !== this.ring.self) return void this.stats.misaddressed++;
    if (env.op === 'relay' || env.op === 'relayed') return this.onRelay(env);
    const r = check(OverlaySignalSchema, env.body, 'signal message');
    if (!r.ok || r.value.m.type !== env.op) return void this.stats.badMessages++;
    const from = env.src;
    if (r.value.via) this.hint(from, r.value.via);
    this.stats.delivered++;
    this.handler(from, r.value.m);
  }

  private onRelay(env: Envelope): void {
    const r = check(RelaySchema, env.body, 'relayed signal');
    if (!r.ok) return void this.stats.badMessages++;
    const { from, to, m } = r.value;
    if (to === this.ring.self) {
      // The relay is linked to the sender: our answers go back the same way.
      if (env.op === 'relayed' && env.src !== from) this.hint(from, [env.src]);
      this.stats.delivered++;
      return this.handler(from, m);
    }
    if (env.op === 'relayed') return void this.stats.misaddressed++;
    // We are the relay: hand it over on our link (or route it, if that link is gone).
    if (this.ring.send(to, SIGNAL_SVC, 'relayed', r.value)) this.stats.relayedForOthers++;
  }

  /**
   * The peers we name as able to reach us (`via`): our linked successors, then our predecessor,
   * then our oldest links. Both ends keep a successor's link (we declare its role), whereas an
   * old link without a role may close while the answer is on its way: a joiner's bootstrap, or
   * the successor a joiner leaves behind each time stabilize moves it one peer back along the
   * ring. The relay of such an answer then routes it toward our id, and the route ends at our
   * successor-to-be, which has no link to us yet and drops it.
   */
  private relays(to: PeerId): PeerId[] {
    const out: PeerId[] = [];
    const take = (p: PeerId | null): boolean => {
      if (p !== null && p !== to && p !== this.ring.self && !out.includes(p) && this.ring.isLinked(p)) out.push(p);
      return out.length >= MAX_RELAY_HINTS;
    };
    for (const p of this.ring.successors().slice(0, RELAY_SUCCESSORS)) if (take(p)) return out;
    if (take(this.ring.predecessor())) return out;
    for (const p of this.ring.links()) if (take(p)) return out;
    return out;
  }

  private hint(peer: PeerId, via: PeerId[]): void {
    this.hints.delete(peer);
    this.hints.set(peer, via);
    if (this.hints.size > MAX_HINTED_PEERS) this.hints.delete(this.hints.keys().next().value as PeerId);
  }
}
