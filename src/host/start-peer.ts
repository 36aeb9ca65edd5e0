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
import { ServerContacts, type Bootstrap, type JoinFailure } from './bootstrap.js';
import { KnownPeersRecorder, loadKnownPeers } from './known-peers.js';
import type { IceConfig } from '../services/signal/rendezvous.js';
import { IceRenewal } from './ice-renewal.js';

/** A peer living inside the server process: its signaler, and where it joins. */
export interface LocalAttachment {
  signaler: Signaler;
  detach(): void;
  /** Where to join, given the peers this one stood on the ring with before (see rememberPeers). */
  bootstrap(known: PeerId[]): Bootstrap;
  /** The STUN/TURN servers the server hands its own peer, asked again before they expire. */
  ice?: () => IceConfig;
}

export interface StartPeerOptions {
  store: Store;
  RTCPeerConnection: PeerConnectionCtor;
  rtcConfig?: Record<string, unknown>;
  candidateFilter?: (candidate: string) => boolean;
  /** The rendezvous server to join through (http(s) or ws(s) URL). */
  serverUrl?: string;
  WebSocket?: WebSocketCtor;
  /** Instead of a server URL: attach in-process to a hub (the server's own peer). */
  local?: (self: PeerId) => LocalAttachment;
  /** Keep the peers linked on the ring in the Store, to look for them after a restart (host/known-peers.ts). */
  rememberPeers?: boolean;
  /** Use the STUN/TURN servers the rendezvous server hands out (default true; false on loopback). */
  useIceServers?: boolean;
  ring?: Partial<RingConfig>;
  maxLinks?: number;
  /** How long to wait for a lost server before trying to reconnect, doubling up to MAX_RECONNECT_MS (default RECONNECT_MS). */
  reconnectMs?: number;
  /** Lend storage: the peer runs the storage service over its store, within this quota. */
  storage?: StorageOptions;
  coord?: PeerOptions['coord'];
  /** Stand beside the ring, owning no key (PeerOptions.attached): the rendezvous server's own peer by default. */
  attached?: boolean;
  /** false: run no tasks of jobs, on the ring or beside it (PeerOptions.tasks): the rendezvous server's own peer. */
  tasks?: boolean;
  /** What this peer reports to gossip (its cores; node-peer.ts asks the OS): counts, totals and slices. */
  gossip?: PeerOptions['gossip'];
  /** The sandboxes its js and wasm tasks run in (a pool of worker threads in Node). */
  sandboxes?: PeerOptions['sandboxes'];
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
/**
 * The reconnect wait doubles up to this, and each wait is drawn between half of it and all of it
 * so that a ring's peers do not come back all at once. A server back after a long absence hears
 * from every live peer within this, which bounds how long its own peer waits for the peers it
 * knew (server/own-peer.ts); a peer pays one failed WebSocket attempt per wait meanwhile.
 */
export const MAX_RECONNECT_MS = 15_000;
/**
 * Contacts of a server we reconnected to that we look our own id up through (Peer.meet): the
 * server names peers on its own peer's ring, so if that ring is not ours (the server's peer came
 * back to a ring of its own), the two rings meet and merge. One is enough; two in case one is gone.
 */
const MEET_CONTACTS = 2;

export async function startPeer(opts: StartPeerOptions): Promise<RunningPeer> {
  const startedMs = Date.now();
  const clock = new RealClock();
  const rng = new CryptoRng();
  const identity = await loadOrCreateIdentity(opts.store, rng);
  const known = opts.rememberPeers ? await loadKnownPeers(opts.store) : [];
  const signaler = new RoutedSignaler(identity.id);
  const net = new WebRtcNet({
    identity, clock, signaler, RTCPeerConnection: opts.RTCPeerConnection,
    ...(opts.rtcConfig ? { rtcConfig: opts.rtcConfig } : {}),
    ...(opts.candidateFilter ? { candidateFilter: opts.candidateFilter } : {}),
  });
  const peer = new Peer({
    clock, rng, net: countingLinks(net, signaler), store: opts.store,
    ...(opts.ring ? { ring: opts.ring } : {}), ...(opts.maxLinks ? { maxLinks: opts.maxLinks } : {}), ...(opts.storage ? { storage: opts.storage } : {}),
    ...(opts.coord ? { coord: opts.coord } : {}), ...(opts.sandboxes ? { sandboxes: opts.sandboxes } : {}), ...(opts.attached === true ? { attached: true } : {}),
    ...(opts.tasks === false ? { tasks: false } : {}),
    gossip: opts.gossip ?? { cores: hostCores() },
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
  const recorder = opts.rememberPeers ? new KnownPeersRecorder(opts.store, clock, () => linkedMembers(peer)) : null;
  const ice = new IceRenewal(clock, (servers) => net.setIceServers(servers), opts.useIceServers !== false);
  const connectWs = async (url: string): Promise<WsSignaler> => {
    const s = await WsSignaler.connect(url, identity, { clock, ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}) });
    ws = s;
    signaler.setServer(s);
    s.onIce((c) => ice.update(c));
    s.onContacts((contacts) => meetContacts(contacts));
    if (s.ice) ice.start(s.ice, () => s.requestIce());
    s.onClosed(() => {
      ice.pause();
      ws = null;
      signaler.setServer(null);
      if (!closed) scheduleReconnect(url, opts.reconnectMs ?? RECONNECT_MS);
    });
    return s;
  };
  // The server's contacts stand on its ring: if that is not ours, meet it.
  const meetContacts = (contacts: readonly PeerId[]) => {
    if (!peer.base.isMember() || contacts.length === 0) return;
    const meet = contacts.slice(0, MEET_CONTACTS);
    signaler.preferServer(meet);
    peer.meet(meet);
  };
  const scheduleReconnect = (url: string, delayMs: number) => {
    reconnectTimer = clock.setTimer(delayMs * (0.5 + rng.next() / 2), () => {
      reconnectTimer = null;
      if (closed) return;
      connectWs(url).then((s) => meetContacts(s.contacts), () => scheduleReconnect(url, Math.min(MAX_RECONNECT_MS, delayMs * 2)));
    });
  };

  try {
    let boot: Bootstrap;
    if (opts.local) {
      const l = opts.local(identity.id);
      detachLocal = l.detach;
      signaler.setServer(l.signaler);
      if (l.ice) ice.start(l.ice(), () => ice.update(l.ice!()));
      boot = l.bootstrap(known);
    } else if (opts.serverUrl) {
      const s = await connectWs(opts.serverUrl);
      boot = new ServerContacts({ contacts: s.contacts, peers: s.peersAtJoin, requestContacts: () => (ws as WsSignaler | null)?.requestContacts() ?? Promise.resolve([]) }, clock);
    } else boot = new ServerContacts(null, clock);
    await joinThrough(peer, boot, net);
    recorder?.start();
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
      await recorder?.stop().catch(() => undefined);
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

/** Join where the bootstrap says, reporting each failure back to it, until it names a ring to create or gives up. */
async function joinThrough(peer: Peer, boot: Bootstrap, net: WebRtcNet): Promise<void> {
  let failure: JoinFailure | null = null;
  for (;;) {
    let next: PeerId[] | 'create';
    try {
      next = await boot.next(failure);
    } catch (e) {
      const st = net.stats;
      throw new Error(`${e instanceof Error ? e.message : String(e)} (links opened ${st.linksOpened}, connect failures ${st.connectFailures}, retries ${st.connectRetries}, refused identities ${st.refusedIdentity})`, { cause: e });
    }
    const contacts = next === 'create' ? [] : next;
    try {
      return await peer.join(contacts);
    } catch (e) {
      failure = { contacts, error: e };
    }
  }
}

/** The ring members we are linked to, ring neighbours first: what a restart looks for (known-peers.ts). */
function linkedMembers(peer: Peer): PeerId[] {
  const ring = peer.base;
  const first = [...ring.successors(), ring.predecessor(), ...ring.fingers().map((f) => f.peer)];
  const out = new Set<PeerId>();
  for (const p of [...first, ...ring.links()]) if (p !== null && p !== peer.id && ring.isLinked(p)) out.add(p);
  return [...out];
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

/** The CPU cores of the host a browser tab reports (1 where it reports none). */
function hostCores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}
