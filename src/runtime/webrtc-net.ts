// Net over WebRTC data channels. The RTCPeerConnection constructor is injected: the browser's own
// in a tab, node-datachannel's polyfill in Node, so one code path serves both. Links are set up
// through a Signaler (server for the first contact, overlay later) and bound to the remote
// peer's identity by signed DTLS fingerprints (see link-claims.ts). Per-link policy (framing,
// backpressure, misbehaviour) lives in link.ts; this file runs the connection attempts.
import type { PeerId } from '../core/id.js';
import { LINK_CONNECT_TIMEOUT_MS, type Clock, type LinkDownReason, type Net, type NetHandler, type TimerHandle } from '../env/ports.js';
import type { Identity } from './identity.js';
import { DEAD_LINK_MS, DEFAULT_LINK_LIMITS, KEEP_ALIVE_INTERVAL_MS, Link, UNANSWERED_LINK_MS, type DataChannelLike, type LinkLimits, type Misbehaviour } from './link.js';
import { closePc, type PeerConnectionCtor, type PeerConnectionLike } from './rtc-types.js';

export type { PeerConnectionCtor, PeerConnectionLike } from './rtc-types.js';
import type { IceServer } from '../services/signal/rendezvous.js';
import { parseSignal, type SignalDescription, type SignalMessage, type Signaler, SIGNAL_VERSION } from '../services/signal/messages.js';
import { signDescription, verifyDescription } from './link-claims.js';
import { newNetStats, type NetStats } from './net-stats.js';
import { LinkKinds, type LinkKind } from './link-kind.js';
import { directOnlyConfig, Switchovers, UpgradeTries } from './link-upgrade.js';

export interface WebRtcNetOptions {
  identity: Identity;
  clock: Clock;
  signaler: Signaler;
  RTCPeerConnection: PeerConnectionCtor;
  /** Passed to the constructor: iceServers, and in Node e.g. bindAddress. */
  rtcConfig?: Record<string, unknown>;
  /** Which local ICE candidates to signal (e.g. only 127.0.0.1 on loopback). */
  candidateFilter?: (candidate: string) => boolean;
  connectTimeoutMs?: number;
  /** Attempts after the first one times out. */
  connectRetries?: number;
  keepAliveIntervalMs?: number;
  deadLinkMs?: number;
  /** A link we sent data on and heard nothing from since, for this long, is dropped (UNANSWERED_LINK_MS). */
  unansweredLinkMs?: number;
  /** Once a link settles as relayed, try a direct-only connection to replace it (link-upgrade.ts). */
  upgradeRelayed?: boolean;
  limits?: Partial<LinkLimits>;
}

/** Attempts after the first one times out: one retry rides out a lost offer without holding up a dead peer for long. */
export const LINK_CONNECT_RETRIES = 1;

/** Remote candidates held until the remote description is set, per attempt. */
const MAX_EARLY_CANDIDATES = 32;
/** Connection attempts at once; more would let a signaling flood exhaust sockets. */
const MAX_PENDING_ATTEMPTS = 64;

interface Attempt {
  peer: PeerId;
  sid: string;
  role: 'offerer' | 'answerer';
  pc: PeerConnectionLike;
  tries: number;
  /** The owner called connect(): it must hear how this ends. */
  wanted: boolean;
  timer: TimerHandle;
  remoteSet: boolean;
  early: Array<{ candidate: string; sdpMid: string }>;
  /** Local candidates wait until our description has gone out, so they arrive after it. */
  localOut: SignalMessage[] | null;
  /** A direct-only connection to replace an open (relayed) link; kept apart from link set-ups. */
  upgrade: boolean;
}

export class WebRtcNet implements Net {
  readonly self: PeerId;
  readonly stats: NetStats = newNetStats();
  /** How each link connected (host, srflx, relay), and counts of links by kind. */
  readonly kinds = new LinkKinds((peer, kind) => this.onKindSettled(peer, kind));
  private handler: NetHandler | null = null;
  private readonly attempts = new Map<PeerId, Attempt>();
  /** Upgrade attempts, at most one per open link. */
  private readonly upgrades = new Map<PeerId, Attempt>();
  private readonly upgradeTries = new UpgradeTries();
  private readonly switchovers: Switchovers;
  private readonly open = new Map<PeerId, { link: Link; pc: PeerConnectionLike }>();
  private readonly o: Required<Omit<WebRtcNetOptions, 'limits'>> & { limits: LinkLimits };
  private sessionCounter = 0;
  private tick: TimerHandle | null = null;
  private closed = false;

  constructor(opts: WebRtcNetOptions) {
    this.o = {
      rtcConfig: { iceServers: [] },
      candidateFilter: () => true,
      connectTimeoutMs: LINK_CONNECT_TIMEOUT_MS,
      connectRetries: LINK_CONNECT_RETRIES,
      keepAliveIntervalMs: KEEP_ALIVE_INTERVAL_MS,
      deadLinkMs: DEAD_LINK_MS,
      unansweredLinkMs: UNANSWERED_LINK_MS,
      upgradeRelayed: true,
      ...opts,
      limits: { ...DEFAULT_LINK_LIMITS, ...opts.limits },
    };
    this.self = opts.identity.id;
    this.switchovers = new Switchovers(opts.clock);
    opts.signaler.setHandler((from, msg) => this.onSignal(from, msg));
    this.scheduleTick();
  }

  setHandler(handler: NetHandler): void {
    this.handler = handler;
  }

  connect(peer: PeerId): void {
    if (this.closed) return;
    if (peer === this.self) return void this.o.clock.setTimer(0, () => this.emitDown(peer, 'refused'));
    if (this.open.has(peer)) return;
    const pending = this.attempts.get(peer);
    if (pending) return void (pending.wanted = true);
    if (this.pendingAttempts() >= MAX_PENDING_ATTEMPTS) return void this.o.clock.setTimer(0, () => this.emitDown(peer, 'connect-failed'));
    void this.offer(peer, 1, true);
  }

  disconnect(peer: PeerId): void {
    const a = this.attempts.get(peer);
    if (a) this.dropAttempt(a, a.wanted ? 'connect-failed' : null);
    this.dropLink(peer, 'closed');
  }

  send(peer: PeerId, frame: Uint8Array): boolean {
    const l = this.open.get(peer);
    return l ? l.link.send(frame) : false;
  }

  /** Resolves when the link to peer has room again after send() queued a lot (or is gone). */
  whenWritable(peer: PeerId): Promise<void> {
    return this.open.get(peer)?.link.whenWritable() ?? Promise.resolve();
  }

  isLinked(peer: PeerId): boolean {
    return this.open.has(peer);
  }

  linkKind(peer: PeerId): LinkKind | undefined {
    return this.kinds.kindOf(peer);
  }

  /** When the last frame arrived on the link to `peer` (Clock ms), or undefined with no link. */
  lastReceivedMs(peer: PeerId): number | undefined {
    return this.open.get(peer)?.link.lastReceivedMs;
  }

  /** STUN/TURN servers for attempts from now on (links already up keep theirs). */
  setIceServers(servers: readonly IceServer[]): void {
    this.o.rtcConfig = { ...this.o.rtcConfig, iceServers: servers.map((s) => ({ ...s, urls: [...s.urls] })) };
  }

  links(): PeerId[] {
    return [...this.open.keys()];
  }

  /** Try every relayed link again for a direct pair, now (after a firewall opened); how many attempts started. */
  retryRelayed(): number {
    let started = 0;
    for (const peer of this.open.keys()) if (this.kinds.kindOf(peer) === 'relay' && this.tryDirect(peer)) started++;
    return started;
  }

  /**
   * Try a direct-only connection to replace the open link to `peer` (link-upgrade.ts): done on its
   * own when a link settles as relayed. False when none was started.
   */
  tryDirect(peer: PeerId): boolean {
    if (this.closed || !this.open.has(peer) || this.upgrades.has(peer) || this.pendingAttempts() >= MAX_PENDING_ATTEMPTS) return false;
    this.stats.upgradeTries++;
    void this.offer(peer, 1, false, true);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tick !== null) this.o.clock.cancel(this.tick);
    for (const a of [...this.attempts.values(), ...this.upgrades.values()]) this.dropAttempt(a, null);
    for (const peer of [...this.open.keys()]) this.dropLink(peer, 'shutdown');
    this.switchovers.closeAll();
    this.o.signaler.setHandler(() => {});
  }

  /** Start (or retry) an attempt in which we offer. */
  private async offer(peer: PeerId, tries: number, wanted: boolean, upgrade = false): Promise<void> {
    const a = this.newAttempt(peer, 'offerer', `${this.self.slice(0, 8)}.${++this.sessionCounter}`, tries, wanted, upgrade);
    if (!a) return;
    const dc = a.pc.createDataChannel('cumulus', { ordered: true });
    dc.onopen = () => this.linkUp(a, dc);
    try {
      const offer = await a.pc.createOffer();
      await a.pc.setLocalDescription(offer);
      this.sendDescription(a, 'offer', offer.sdp ?? '');
    } catch {
      this.failAttempt(a);
    }
  }

  private async answer(peer: PeerId, msg: SignalDescription, wanted: boolean, tries: number, upgrade = false): Promise<void> {
    const a = this.newAttempt(peer, 'answerer', msg.sid, tries, wanted, upgrade);
    if (!a) return;
    a.pc.ondatachannel = (ev) => {
      const dc = ev.channel;
      if (dc.readyState === 'open') this.linkUp(a, dc);
      else dc.onopen = () => this.linkUp(a, dc);
    };
    try {
      await a.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      this.remoteSet(a);
      const answer = await a.pc.createAnswer();
      await a.pc.setLocalDescription(answer);
      this.sendDescription(a, 'answer', answer.sdp ?? '');
    } catch {
      this.failAttempt(a);
    }
  }

  /**
   * A new RTCPeerConnection for an attempt, counted: a browser tab may create only so many (about
   * 500 not yet garbage-collected, in Chromium). When the constructor refuses, the attempt fails
   * as a connect failure would.
   */
  private newAttempt(peer: PeerId, role: Attempt['role'], sid: string, tries: number, wanted: boolean, upgrade: boolean): Attempt | null {
    let pc: PeerConnectionLike;
    try {
      pc = new this.o.RTCPeerConnection(upgrade ? directOnlyConfig(this.o.rtcConfig) : { ...this.o.rtcConfig });
    } catch {
      this.stats.setupsRefused++;
      if (wanted) this.o.clock.setTimer(0, () => this.emitDown(peer, 'connect-failed'));
      return null;
    }
    this.stats.setups++;
    const a: Attempt = { peer, sid, role, pc, tries, wanted, remoteSet: false, early: [], localOut: [], timer: 0, upgrade };
    a.timer = this.o.clock.setTimer(this.o.connectTimeoutMs, () => this.failAttempt(a));
    pc.onicecandidate = (ev) => {
      const c = ev.candidate;
      if (!c || !c.candidate || !this.o.candidateFilter(c.candidate)) return;
      const msg: SignalMessage = { v: SIGNAL_VERSION, type: 'candidate', sid, candidate: c.candidate, mid: c.sdpMid ?? '0' };
      if (a.localOut) a.localOut.push(msg);
      else this.o.signaler.send(peer, msg);
    };
    // libdatachannel on loopback now and then closes a fresh connection the moment the answer is
    // applied; failing the attempt at once lets the retry run without waiting for the timeout.
    pc.onconnectionstatechange = () => {
      const s = pc.connectionState;
      if ((s === 'failed' || s === 'closed') && this.table(a).get(peer) === a) this.failAttempt(a);
    };
    this.table(a).set(peer, a);
    return a;
  }

  private sendDescription(a: Attempt, type: 'offer' | 'answer', sdp: string): void {
    if (this.table(a).get(a.peer) !== a) return;
    const msg = signDescription(this.o.identity, a.peer, type, a.sid, sdp);
    if (!msg) return this.failAttempt(a);
    this.o.signaler.send(a.peer, a.upgrade && type === 'offer' ? { ...msg, type: 'offer', upgrade: true } : msg);
    // The offerer holds its candidates until the answer is applied (see remoteSet).
    if (a.role === 'answerer') this.flushLocalCandidates(a);
  }

  private flushLocalCandidates(a: Attempt): void {
    for (const c of a.localOut ?? []) this.o.signaler.send(a.peer, c);
    a.localOut = null;
  }

  private onSignal(from: PeerId, raw: unknown): void {
    if (this.closed) return;
    const parsed = parseSignal(raw);
    if (!parsed.ok) return void this.stats.badSignals++;
    const msg = parsed.value;
    if (msg.type === 'candidate') {
      const a = this.bySid(from, msg.sid);
      if (!a) return;
      const c = { candidate: msg.candidate, sdpMid: msg.mid };
      if (a.remoteSet) a.pc.addIceCandidate(c).catch(() => void this.stats.badSignals++);
      else if (a.early.length < MAX_EARLY_CANDIDATES) a.early.push(c);
      return;
    }
    if (!verifyDescription(from, this.self, msg)) return void this.stats.refusedIdentity++;
    if (msg.type === 'answer') {
      const a = this.bySid(from, msg.sid);
      if (!a || a.role !== 'offerer' || a.remoteSet) return;
      a.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }).then(
        () => this.remoteSet(a),
        () => this.failAttempt(a),
      );
      return;
    }
    if (msg.upgrade) this.onUpgradeOffer(from, msg);
    else this.onOffer(from, msg, this.attempts.get(from));
  }

  private bySid(peer: PeerId, sid: string): Attempt | undefined {
    const a = this.attempts.get(peer);
    if (a?.sid === sid) return a;
    const u = this.upgrades.get(peer);
    return u?.sid === sid ? u : undefined;
  }

  /** An offer to replace our open link to `from`; without one there is nothing to replace. */
  private onUpgradeOffer(from: PeerId, msg: SignalDescription): void {
    if (!this.open.has(from) || this.attempts.has(from)) return;
    const u = this.upgrades.get(from);
    if (u) {
      if (u.sid === msg.sid) return;
      if (u.role === 'offerer' && this.self < from) return;
      this.dropAttempt(u, null);
    }
    if (this.pendingAttempts() >= MAX_PENDING_ATTEMPTS) return;
    void this.answer(from, msg, false, 1, true);
  }

  private onOffer(from: PeerId, msg: SignalDescription, a: Attempt | undefined): void {
    let wanted = false;
    let tries = 1;
    if (a) {
      if (a.sid === msg.sid) return;
      // Both sides offered at once: the lower id stays the offerer, so they end with one link.
      if (a.role === 'offerer' && this.self < from) return;
      wanted = a.wanted;
      tries = a.tries;
      this.dropAttempt(a, null);
    } else if (this.pendingAttempts() >= MAX_PENDING_ATTEMPTS) {
      return;
    }
    // A fresh offer over a live link means the remote lost it (e.g. it restarted).
    if (this.open.has(from)) this.dropLink(from, 'remote-closed');
    void this.answer(from, msg, wanted, tries);
  }

  /**
   * The remote description is applied. An offerer only now sends its own candidates: if the
   * answerer had them earlier, it could finish ICE and start DTLS before we know its fingerprint,
   * and libdatachannel then stalls the handshake for a second or drops the connection.
   */
  private remoteSet(a: Attempt): void {
    a.remoteSet = true;
    if (a.role === 'offerer') this.flushLocalCandidates(a);
    for (const c of a.early.splice(0)) a.pc.addIceCandidate(c).catch(() => void this.stats.badSignals++);
  }

  private linkUp(a: Attempt, dc: DataChannelLike): void {
    if (this.table(a).get(a.peer) !== a || this.closed) return;
    this.table(a).delete(a.peer);
    this.o.clock.cancel(a.timer);
    const peer = a.peer;
    const link: Link = new Link(peer, dc, this.o.clock, this.o.limits, {
      onFrame: (from, payload) => this.guard(() => this.handler?.onMessage(from, payload)),
      onMisbehaviour: (from, what) => this.onMisbehaviour(from, what),
      onSwitch: (from) => this.switchovers.onSwitch(from, link, this.open.get(from)?.link === link),
    });
    dc.onclose = () => this.channelGone(peer, link, 'remote-closed');
    // 'closed' without our own close() means the remote shut DTLS down in order; 'failed'
    // means ICE or DTLS broke (the remote vanished without a word).
    a.pc.onconnectionstatechange = () => {
      const s = a.pc.connectionState;
      if (s === 'closed') this.channelGone(peer, link, 'remote-closed');
      else if (s === 'failed') this.channelGone(peer, link, 'failed');
    };
    const old = this.open.get(peer);
    this.open.set(peer, { link, pc: a.pc });
    if (old) {
      // The link moves onto the new connection; the overlay keeps its one link to the peer.
      this.stats.linkUpgrades++;
      this.upgradeTries.succeeded();
      this.kinds.moved(peer);
      this.switchovers.begin(peer, old, link);
    } else {
      this.stats.linksOpened++;
    }
    void this.kinds.learn(peer, a.pc, () => this.open.get(peer)?.link === link);
    if (!old) this.guard(() => this.handler?.onLinkUp(peer));
  }

  /** A link's channel or connection closed: a retiring one just finishes; the current one is down. */
  private channelGone(peer: PeerId, link: Link, reason: LinkDownReason): void {
    if (this.switchovers.isRetiring(peer, link)) this.switchovers.finish(peer);
    else this.dropLink(peer, reason, link);
  }

  /** Where an attempt is kept: link set-ups and upgrades apart. */
  private table(a: Attempt): Map<PeerId, Attempt> {
    return a.upgrade ? this.upgrades : this.attempts;
  }

  private pendingAttempts(): number {
    return this.attempts.size + this.upgrades.size;
  }

  /** A link settled on its kind: a relayed one is tried once more without TURN, from the lower id. */
  private onKindSettled(peer: PeerId, kind: LinkKind | 'unknown'): void {
    if (kind !== 'relay' || !this.o.upgradeRelayed || this.self > peer || this.closed) return;
    if (this.upgradeTries.take(peer, this.o.clock.now())) this.tryDirect(peer);
  }

  /**
   * A timed-out or failed attempt. The side that wants the link (the offerer, or an answerer
   * whose owner also called connect) retries by offering, up to connectRetries times; a glare
   * with the other side's retry resolves as usual. Then it gives up.
   */
  private failAttempt(a: Attempt): void {
    if (this.table(a).get(a.peer) !== a) return;
    if (a.upgrade) {
      // The relayed link stays as it is.
      if (a.role === 'offerer') {
        this.stats.upgradeFailures++;
        this.upgradeTries.failed(this.o.clock.now());
      }
      return this.dropAttempt(a, null);
    }
    if ((a.role === 'offerer' || a.wanted) && a.tries <= this.o.connectRetries && !this.closed) {
      this.dropAttempt(a, null);
      this.stats.connectRetries++;
      void this.offer(a.peer, a.tries + 1, a.wanted);
      return;
    }
    this.stats.connectFailures++;
    this.dropAttempt(a, a.wanted ? 'connect-failed' : null);
  }

  private dropAttempt(a: Attempt, report: LinkDownReason | null): void {
    if (this.table(a).get(a.peer) === a) this.table(a).delete(a.peer);
    this.o.clock.cancel(a.timer);
    closePc(a.pc);
    if (report) this.emitDown(a.peer, report);
  }

  private dropLink(peer: PeerId, reason: LinkDownReason, only?: Link): void {
    const l = this.open.get(peer);
    if (!l || (only && l.link !== only)) return;
    this.open.delete(peer);
    this.kinds.forget(peer);
    const u = this.upgrades.get(peer);
    if (u) this.dropAttempt(u, null);
    this.switchovers.forget(peer);
    l.link.close();
    closePc(l.pc);
    this.stats.linksClosed++;
    this.emitDown(peer, reason);
  }

  private onMisbehaviour(peer: PeerId, what: Misbehaviour): void {
    this.stats.misbehaviour[what]++;
    this.stats.peersDisconnected++;
    this.dropLink(peer, 'refused');
  }

  /** One periodic tick: keep-alives on idle links, and dead links torn down. */
  private scheduleTick(): void {
    const every = Math.max(100, Math.floor(this.o.keepAliveIntervalMs / 2));
    this.tick = this.o.clock.setTimer(every, () => {
      const now = this.o.clock.now();
      for (const [peer, { link }] of [...this.open]) {
        const unanswered = link.unansweredSinceMs !== null && now - link.unansweredSinceMs >= this.o.unansweredLinkMs;
        if (unanswered || now - link.lastReceivedMs >= this.o.deadLinkMs) this.dropLink(peer, 'timeout');
        else if (now - link.lastSentMs >= this.o.keepAliveIntervalMs) link.sendPing();
      }
      if (!this.closed) this.scheduleTick();
    });
  }

  private emitDown(peer: PeerId, reason: LinkDownReason): void {
    this.guard(() => this.handler?.onLinkDown(peer, reason));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch {
      this.stats.handlerErrors++;
    }
  }
}
