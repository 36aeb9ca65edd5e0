// Start a real peer: identity from its Store, a WebRTC Net whose first link is signaled through the
// rendezvous server and every later one through the overlay, and the Peer (rings and services) on
// top. Platform-neutral: the RTCPeerConnection and WebSocket constructors are injected, so the
// same function starts a volunteer in Node (node-peer.ts) and in a browser tab (src/web).
import type { PeerId } from '../core/id.js';
import type { Net, NetHandler, Store } from '../env/ports.js';
import { Peer, type PeerOptions } from '../peer/peer.js';
import type { StorageOptions } from '../services/storage/service.js';
import type { RingConfig } from '../overlay/ring.js';
import { RealClock } from '../runtime/clock.js';
import { loadOrCreateIdentity, type Identity } from '../runtime/identity.js';
import { CryptoRng } from '../runtime/rng.js';
import { RoutedSignaler } from '../services/signal/routed.js';
import type { Signaler } from '../services/signal/messages.js';
import { WebRtcNet, type PeerConnectionCtor } from '../runtime/webrtc-net.js';
import { WsSignaler, type WebSocketCtor } from '../runtime/ws-signaler.js';
import type { IceConfig } from '../services/signal/rendezvous.js';
import { IceRenewal } from './ice-renewal.js';

export interface StartPeerOptions {
  store: Store;
  RTCPeerConnection: PeerConnectionCtor;
  rtcConfig?: Record<string, unknown>;
  candidateFilter?: (candidate: string) => boolean;
  /** The rendezvous server to join through (http(s) or ws(s) URL). */
  serverUrl?: string;
  WebSocket?: WebSocketCtor;
  /** Instead of a server URL: attach in-process to a hub (the server's own peer). */
  local?: (self: PeerId) => { signaler: Signaler; contacts: PeerId[]; detach(): void; ice?: () => IceConfig };
  /** Use the STUN/TURN servers the rendezvous server hands out (default true; false on loopback). */
  useIceServers?: boolean;
  ring?: Partial<RingConfig>;
  maxLinks?: number;
  /** How long to wait for a lost server before trying to reconnect, doubling up to a minute (default RECONNECT_MS). */
  reconnectMs?: number;
  /** Lend storage: the peer runs the storage service over its store, within this quota. */
  storage?: StorageOptions;
  coord?: PeerOptions['coord'];
}

export interface RunningPeer {
  readonly peer: Peer;
  readonly net: WebRtcNet;
  readonly identity: Identity;
  readonly signaler: RoutedSignaler;
  /** When the peer started (ms since the epoch): link set-ups per hour are counted from here. */
  readonly startedMs: number;
  /** Whether the rendezvous server is reachable right now. */
  serverUp(): boolean;
  /** Leave the ring gracefully, close every link and the store; idempotent. */
  close(): Promise<void>;
}

/** Time the leave messages get to drain before the links close. */
const LEAVE_DRAIN_MS = 200;
/** First wait before reconnecting to a lost server: a restarting server is back within seconds. */
const RECONNECT_MS = 2_000;
/** The reconnect wait doubles up to this: a server down for long costs a peer one attempt a minute. */
const MAX_RECONNECT_MS = 60_000;
/** Join attempts, each over fresh contacts from the server. */
const JOIN_ROUNDS = 5;
/**
 * Pause before the second round, doubling after: contacts that are joining themselves refuse at
 * once, and when many peers arrive together a whole round may be such contacts; a moment later
 * they are in place (a join takes a few round trips).
 */
const JOIN_ROUND_PAUSE_MS = 1000;

export async function startPeer(opts: StartPeerOptions): Promise<RunningPeer> {
  const startedMs = Date.now();
  const clock = new RealClock();
  const rng = new CryptoRng();
  const identity = await loadOrCreateIdentity(opts.store, rng);
  const signaler = new RoutedSignaler(identity.id);
  const net = new WebRtcNet({
    identity, clock, signaler, RTCPeerConnection: opts.RTCPeerConnection,
    ...(opts.rtcConfig ? { rtcConfig: opts.rtcConfig } : {}),
    ...(opts.candidateFilter ? { candidateFilter: opts.candidateFilter } : {}),
  });
  const peer = new Peer({
    clock, rng, net: countingLinks(net, signaler), store: opts.store,
    ...(opts.ring ? { ring: opts.ring } : {}), ...(opts.maxLinks ? { maxLinks: opts.maxLinks } : {}), ...(opts.storage ? { storage: opts.storage } : {}),
    ...(opts.coord ? { coord: opts.coord } : {}),
  });
  // Once a bootstrap has taken us in (its answer told us our successor), the overlay carries our
  // signaling, relayed through our links while we are not routable yet. Before that our only link
  // may be to a peer that cannot route for us (a bootstrap joining itself refuses us but stays
  // linked), so the server carries our offers while it is there; without it, the overlay is all.
  signaler.setOverlay(peer.signal, () => peer.mux.linkCount() > 0 && (peer.base.isMember() || !signaler.hasServer()));

  let ws: WsSignaler | null = null;
  let detachLocal: (() => void) | null = null;
  let closed = false;
  let reconnectTimer: ReturnType<typeof clock.setTimer> | null = null;
  const ice = new IceRenewal(clock, (servers) => net.setIceServers(servers), opts.useIceServers !== false);
  const connectServer = async (): Promise<PeerId[]> => {
    if (opts.local) {
      const l = opts.local(identity.id);
      detachLocal = l.detach;
      signaler.setServer(l.signaler);
      if (l.ice) ice.start(l.ice(), () => ice.update(l.ice!()));
      return l.contacts;
    }
    if (!opts.serverUrl) return [];
    const s = await WsSignaler.connect(opts.serverUrl, identity, { clock, ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}) });
    ws = s;
    signaler.setServer(s);
    s.onIce((c) => ice.update(c));
    if (s.ice) ice.start(s.ice, () => s.requestIce());
    s.onClosed(() => {
      ice.pause();
      ws = null;
      signaler.setServer(null);
      if (!closed) scheduleReconnect(opts.reconnectMs ?? RECONNECT_MS);
    });
    return s.contacts;
  };
  const scheduleReconnect = (delayMs: number) => {
    reconnectTimer = clock.setTimer(delayMs, () => {
      reconnectTimer = null;
      if (closed) return;
      connectServer().catch(() => scheduleReconnect(Math.min(MAX_RECONNECT_MS, delayMs * 2)));
    });
  };

  try {
    let contacts = await connectServer();
    for (let round = 1; ; round++) {
      try {
        await peer.join(contacts);
        break;
      } catch (e) {
        if (round >= JOIN_ROUNDS) {
          const st = net.stats;
          throw new Error(`could not join through ${contacts.length} contact(s) in ${JOIN_ROUNDS} rounds: ${e instanceof Error ? e.message : String(e)} (links opened ${st.linksOpened}, connect failures ${st.connectFailures}, retries ${st.connectRetries}, refused identities ${st.refusedIdentity})`);
        }
        await new Promise<void>((resolve) => clock.setTimer(JOIN_ROUND_PAUSE_MS * 2 ** (round - 1), resolve));
        contacts = ws ? await (ws as WsSignaler).requestContacts() : contacts;
      }
    }
  } catch (e) {
    closed = true;
    ice.pause();
    peer.close();
    net.close();
    (ws as WsSignaler | null)?.close();
    (detachLocal as (() => void) | null)?.();
    await opts.store.close();
    throw e;
  }

  return {
    peer, net, identity, signaler, startedMs,
    serverUp: () => ws !== null || opts.local !== undefined,
    close: async () => {
      if (closed) return;
      closed = true;
      if (reconnectTimer !== null) clock.cancel(reconnectTimer);
      ice.pause();
      peer.leave();
      await new Promise<void>((resolve) => clock.setTimer(LEAVE_DRAIN_MS, resolve));
      peer.close();
      net.close();
      (ws as WsSignaler | null)?.close();
      (detachLocal as (() => void) | null)?.();
      await opts.store.close();
    },
  };
}

/** The Net as the Peer sees it, with each link-up also counted under the path that signaled it. */
function countingLinks(net: WebRtcNet, signaler: RoutedSignaler): Net {
  return {
    get self() { return net.self; },
    setHandler: (h: NetHandler) => net.setHandler({ ...h, onLinkUp: (p) => { signaler.linkUp(p); h.onLinkUp(p); } }),
    connect: (p) => net.connect(p),
    disconnect: (p) => net.disconnect(p),
    send: (p, f) => net.send(p, f),
    isLinked: (p) => net.isLinked(p),
    links: () => net.links(),
    close: () => net.close(),
  };
}
