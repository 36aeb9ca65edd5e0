// A simulated Net whose connect() sets a link up the way WebRtcNet does: an offer to the peer
// through a Signaler (the real RoutedSignaler: the simulated server for a first contact, the
// overlay for later links), the peer's answer back the same way, and only then the link's
// connectivity check (the simulator's plain connect underneath). An offer whose answer does not
// come back within the connect timeout is tried once more with a new session id (RoutedSignaler
// then sends it through the server), and then reported as 'connect-failed', as WebRtcNet does.
// Glare (both offer at once) is settled as WebRtcNet settles it: the lower id's offer wins.
// What is and is not modelled is said in signaling.ts.
import type { PeerId } from '../core/id.js';
import { LINK_CONNECT_TIMEOUT_MS, type Clock, type Net, type NetHandler, type TimerHandle } from '../env/ports.js';
import { SIGNAL_VERSION, type SignalMessage, type Signaler } from '../services/signal/messages.js';
import type { SimSignaling } from './signaling.js';

/** Attempts after the first one times out (WebRtcNet's LINK_CONNECT_RETRIES). */
const CONNECT_RETRIES = 1;
/** Connection attempts at once (WebRtcNet's MAX_PENDING_ATTEMPTS). */
const MAX_PENDING_ATTEMPTS = 64;
/** A simulated description: the signaling path checks shapes only, and the simulator checks no signature. */
const SIM_SDP = 'v=0 sim';
const SIM_KEY = '0'.repeat(64);
const SIM_SIG = '0'.repeat(128);

interface Attempt {
  sid: string;
  role: 'offerer' | 'answerer';
  tries: number;
  /** Our owner called connect(): it must hear how this ends. */
  wanted: boolean;
  timer: TimerHandle;
}

export class SignaledNet implements Net {
  readonly self: PeerId;
  private handler: NetHandler | null = null;
  private readonly attempts = new Map<PeerId, Attempt>();
  /** Peers whose link up now goes through a relay. */
  private readonly relayedPeers = new Set<PeerId>();
  private sessions = 0;

  constructor(
    private readonly inner: Net,
    private readonly index: number,
    private readonly signaler: Signaler & { linkUp(peer: PeerId): void },
    private readonly clock: Clock,
    private readonly signaling: SimSignaling,
    /** The node index of a peer id (negative for none). */
    private readonly indexOf: (id: PeerId) => number,
    private readonly connectTimeoutMs = LINK_CONNECT_TIMEOUT_MS,
  ) {
    this.self = inner.self;
    signaler.setHandler((from, msg) => this.onSignal(from, msg));
    inner.setHandler({
      onLinkUp: (peer) => this.linkUp(peer),
      onLinkDown: (peer, reason) => {
        this.dropAttempt(peer);
        this.relayedPeers.delete(peer);
        this.handler?.onLinkDown(peer, reason);
      },
      onMessage: (peer, frame, value) => this.handler?.onMessage(peer, frame, value),
    });
  }

  setHandler(handler: NetHandler): void {
    this.handler = handler;
  }

  connect(peer: PeerId): void {
    // Ourselves or an id of no node: the plain connect fails it after its timeout.
    if (peer === this.self || this.indexOf(peer) < 0) return this.inner.connect(peer);
    if (this.inner.isLinked(peer)) return;
    const pending = this.attempts.get(peer);
    if (pending !== undefined) return void (pending.wanted = true);
    if (this.attempts.size >= MAX_PENDING_ATTEMPTS) return void this.clock.setTimer(0, () => this.handler?.onLinkDown(peer, 'connect-failed'));
    this.offer(peer, 1);
  }

  disconnect(peer: PeerId): void {
    this.dropAttempt(peer);
    this.relayedPeers.delete(peer);
    this.inner.disconnect(peer);
  }

  send(peer: PeerId, frame: Uint8Array, value?: unknown): boolean {
    const ok = this.inner.send(peer, frame, value);
    if (ok && this.relayedPeers.has(peer)) this.signaling.stats.relayBytes += frame.length;
    return ok;
  }

  isLinked(peer: PeerId): boolean {
    return this.inner.isLinked(peer);
  }

  links(): PeerId[] {
    return this.inner.links();
  }

  close(): void {
    for (const peer of [...this.attempts.keys()]) this.dropAttempt(peer);
    this.inner.close();
  }

  private offer(peer: PeerId, tries: number): void {
    const sid = `${this.index.toString(36)}.${(this.sessions++).toString(36)}`;
    const timer = this.clock.setTimer(this.connectTimeoutMs, () => this.timedOut(peer, sid));
    this.attempts.set(peer, { sid, role: 'offerer', tries, wanted: true, timer });
    this.signaling.stats.offers++;
    this.signaler.send(peer, description('offer', sid));
  }

  /** No link came of the attempt in time: try once more with a new session, then give up. */
  private timedOut(peer: PeerId, sid: string): void {
    const a = this.attempts.get(peer);
    if (a === undefined || a.sid !== sid) return;
    this.attempts.delete(peer);
    if (this.inner.isLinked(peer)) return;
    this.signaling.stats.answerTimeouts++;
    // The plain connect may be under way (the answer came, the check has not finished): end it.
    this.inner.disconnect(peer);
    if (a.role === 'offerer' && a.tries <= CONNECT_RETRIES) {
      this.signaling.stats.retries++;
      return this.offer(peer, a.tries + 1);
    }
    if (a.wanted) this.handler?.onLinkDown(peer, 'connect-failed');
  }

  private onSignal(from: PeerId, msg: SignalMessage): void {
    if (msg.type === 'candidate') return;
    const a = this.attempts.get(from);
    if (msg.type === 'answer') {
      // The answer to our current offer: run the connectivity check (the plain connect).
      if (a === undefined || a.role !== 'offerer' || a.sid !== msg.sid) return;
      return this.inner.connect(from);
    }
    if (this.inner.isLinked(from)) return;
    // Glare: both offered; the lower id's offer wins, and the other side answers it.
    if (a !== undefined && a.role === 'offerer' && this.self < from) return;
    if (a !== undefined) this.clock.cancel(a.timer);
    // Wait for the offerer's check as its answerer, within the same timeout.
    const timer = this.clock.setTimer(this.connectTimeoutMs, () => this.timedOut(from, msg.sid));
    this.attempts.set(from, { sid: msg.sid, role: 'answerer', tries: a?.tries ?? 1, wanted: a?.wanted ?? false, timer });
    this.signaling.stats.answers++;
    this.signaler.send(from, description('answer', msg.sid));
  }

  private linkUp(peer: PeerId): void {
    this.dropAttempt(peer);
    const other = this.indexOf(peer);
    const relayed = other >= 0 && this.signaling.relayed(this.index, other);
    if (relayed) this.relayedPeers.add(peer);
    // Each link is counted once, by the side with the lower index.
    if (other > this.index) {
      if (relayed) this.signaling.stats.relayedLinks++;
      else this.signaling.stats.directLinks++;
    }
    this.signaler.linkUp(peer);
    this.handler?.onLinkUp(peer);
  }

  private dropAttempt(peer: PeerId): void {
    const a = this.attempts.get(peer);
    if (a === undefined) return;
    this.clock.cancel(a.timer);
    this.attempts.delete(peer);
  }
}

function description(type: 'offer' | 'answer', sid: string): SignalMessage {
  return { v: SIGNAL_VERSION, type, sid, sdp: SIM_SDP, publicKey: SIM_KEY, sig: SIM_SIG };
}
