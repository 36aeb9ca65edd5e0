// Upgrading a relayed link to a direct one. ICE keeps the first pair that works, and through NATs
// that is now and then the TURN relay although a direct pair would have worked a moment later. A
// relay costs its operator bandwidth, so once a link has settled as relayed, the peer with the
// lower id tries once more without TURN servers (host and STUN candidates only). When that second
// connection opens, both ends move the link onto it: each sends a switch marker as the last frame
// of the old channel and holds what arrives on the new one until the other's marker, so the
// overlay above sees one link whose frames stay in order, and no link-down. The old connection
// closes once both markers went through. When the direct attempt fails, the relayed link stays.
import type { PeerId } from '../core/id.js';
import type { Clock, TimerHandle } from '../env/ports.js';
import type { Link } from './link.js';
import { closePc, type PeerConnectionLike } from './rtc-types.js';

/** A peer whose relayed link did not upgrade is not tried again before this. */
export const UPGRADE_RETRY_MS = 60 * 60_000;
/**
 * After this many direct attempts in a row fail, none is tried for UPGRADE_RETRY_MS: this peer is
 * likely behind a symmetric NAT, where every attempt would fail, and each costs a connection set-up
 * (of which a browser tab has a few hundred; see the connection budget in docs/operating.md).
 */
export const UPGRADE_FAILURES_TO_PAUSE = 3;
/** Peers whose last try is remembered; the oldest is forgotten first. */
const MAX_UPGRADE_TRIES = 256;
/** The old connection stays open this long after both markers went through, for its last bytes. */
const SWITCH_GRACE_MS = 2_000;
/** However the markers fare, the old connection is closed this long after the switch. */
const SWITCH_MAX_MS = 15_000;
const SWITCH_POLL_MS = 250;

/** The RTCPeerConnection settings for a direct-only attempt: the same, minus TURN servers. */
export function directOnlyConfig(rtcConfig: Record<string, unknown>): Record<string, unknown> {
  const servers = Array.isArray(rtcConfig.iceServers) ? (rtcConfig.iceServers as Array<{ urls: string | string[] }>) : [];
  const stunOnly = servers
    .map((s) => ({ ...s, urls: (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => /^stuns?:/i.test(u)) }))
    .filter((s) => s.urls.length > 0);
  return { ...rtcConfig, iceServers: stunOnly, iceTransportPolicy: 'all' };
}

/** Which relayed links to try again, and when to stop trying for a while. */
export class UpgradeTries {
  private readonly last = new Map<PeerId, number>();
  private failuresInRow = 0;
  private pausedUntilMs = -Infinity;

  /** Whether to try `peer` now; if so, the try is recorded. */
  take(peer: PeerId, nowMs: number): boolean {
    if (nowMs < this.pausedUntilMs) return false;
    const at = this.last.get(peer);
    if (at !== undefined && nowMs - at < UPGRADE_RETRY_MS) return false;
    this.last.delete(peer);
    this.last.set(peer, nowMs);
    if (this.last.size > MAX_UPGRADE_TRIES) this.last.delete(this.last.keys().next().value!);
    return true;
  }

  failed(nowMs: number): void {
    if (++this.failuresInRow < UPGRADE_FAILURES_TO_PAUSE) return;
    this.failuresInRow = 0;
    this.pausedUntilMs = nowMs + UPGRADE_RETRY_MS;
  }

  succeeded(): void {
    this.failuresInRow = 0;
  }
}

interface Retiring {
  link: Link;
  pc: PeerConnectionLike;
  next: Link;
  /** The peer's switch marker arrived: everything it sent on the old channel is delivered. */
  sawSwitch: boolean;
  startedMs: number;
  poll: TimerHandle;
}

/** The old connections of links that moved to a new one, until they close. */
export class Switchovers {
  private readonly retiring = new Map<PeerId, Retiring>();
  /** Peers whose marker arrived on the current link before our side moved (they moved first). */
  private readonly early = new Set<PeerId>();

  constructor(private readonly clock: Clock) {}

  /** Move `peer`'s link from `old` to `next`, which the caller has made the current one. */
  begin(peer: PeerId, old: { link: Link; pc: PeerConnectionLike }, next: Link): void {
    this.finish(peer);
    const sawSwitch = this.early.delete(peer);
    if (!sawSwitch) next.holdInbound();
    old.link.sendSwitch();
    const r: Retiring = { link: old.link, pc: old.pc, next, sawSwitch, startedMs: this.clock.now(), poll: 0 };
    r.poll = this.clock.setTimer(SWITCH_POLL_MS, () => this.check(peer, r));
    this.retiring.set(peer, r);
  }

  /**
   * A switch marker arrived on `link`. If it is a retiring link, the peer's frames on its
   * replacement may go up now; if it is still the current one, the peer moved first.
   */
  onSwitch(peer: PeerId, link: Link, isCurrent: boolean): void {
    const r = this.retiring.get(peer);
    if (r && r.link === link) {
      r.sawSwitch = true;
      r.next.releaseInbound();
    } else if (isCurrent) {
      this.early.add(peer);
    }
  }

  /** Whether `link` is a retiring one (its closing is no link-down). */
  isRetiring(peer: PeerId, link: Link): boolean {
    return this.retiring.get(peer)?.link === link;
  }

  /** Close `peer`'s retiring connection now, if it has one; its replacement stops holding. */
  finish(peer: PeerId): void {
    const r = this.retiring.get(peer);
    if (!r) return;
    this.retiring.delete(peer);
    this.clock.cancel(r.poll);
    r.next.releaseInbound();
    r.link.close();
    closePc(r.pc);
  }

  /** The link to `peer` is gone altogether. */
  forget(peer: PeerId): void {
    this.early.delete(peer);
    this.finish(peer);
  }

  closeAll(): void {
    for (const peer of [...this.retiring.keys()]) this.finish(peer);
    this.early.clear();
  }

  private check(peer: PeerId, r: Retiring): void {
    if (this.retiring.get(peer) !== r) return;
    const age = this.clock.now() - r.startedMs;
    if (age >= SWITCH_MAX_MS) return this.finish(peer);
    if (r.sawSwitch && r.link.drained()) {
      r.poll = this.clock.setTimer(SWITCH_GRACE_MS, () => this.retiring.get(peer) === r && this.finish(peer));
      return;
    }
    r.poll = this.clock.setTimer(SWITCH_POLL_MS, () => this.check(peer, r));
  }
}
