// Which of the hub's peers stand on the ring. A WebSocket with a valid hello proves only that its
// peer holds a key, and keys cost nothing: sixty idle made-up identities made a joiner's contacts
// mostly peers that never answer (57 s to join instead of 1.2), three hundred made joining
// impossible. So the server's own peer looks up each connected peer's id on its ring: a peer that
// owns its own id is in place there, and only such peers are named as contacts. A peer that is
// not found in place a while after its hello is met by the server's peer, in case it stands on
// another ring (it came back to a server whose peer started a ring of its own): the two rings
// merge (overlay/meet.ts). One not found in place within a longer bound is disconnected: a member
// of another ring reconnects and meets this ring through the contacts it gets then (start-peer.ts);
// a made-up identity is gone.
import type { PeerId } from '../core/id.js';
import type { Clock, Rng, TimerHandle } from '../env/ports.js';
import type { ContactSource, SignalHub } from './hub.js';

export interface RingMembersSettings {
  /** First look-up of a peer after its hello: a joiner is in place a few round trips after it is let in. */
  firstCheckMs: number;
  /** Look-ups of a peer not yet in place are spaced twice as far each time, up to this. */
  maxCheckIntervalMs: number;
  /**
   * A peer not found in place on the ring this long after its hello (counted from when the
   * server's peer is in place itself) is disconnected (error NOT_ON_RING): a join takes seconds,
   * a tab on a loaded machine up to a minute (bench/chromium.ts, TAB_JOIN_TIMEOUT_MS).
   */
  unverifiedCloseMs: number;
  /** A peer found in place is looked up again this often, in case it left the ring but kept its socket. */
  recheckVerifiedMs: number;
  /** Look-ups in flight at once: the server's peer is one peer, and a burst of hellos must not flood the ring from it. */
  maxConcurrentChecks: number;
  /**
   * A peer still not found in place this long after its hello (counted as unverifiedCloseMs is) is
   * met by the server's peer (Peer.meet): if it stands on another ring, the two merge now rather
   * than after it is disconnected and comes back. A joiner is in place well before.
   */
  meetAfterMs: number;
}

export const DEFAULT_RING_MEMBERS_SETTINGS: RingMembersSettings = {
  firstCheckMs: 500,
  maxCheckIntervalMs: 8_000,
  unverifiedCloseMs: 120_000,
  recheckVerifiedMs: 10 * 60_000,
  maxConcurrentChecks: 8,
  meetAfterMs: 10_000,
};

/** The ring as the server's own peer sees it. */
export interface RingProbe {
  readonly self: PeerId;
  /** It stands on the ring (false: attached beside it, overlay/attach.ts, so never a contact). */
  readonly onRing: boolean;
  /** In place on its ring: its look-ups mean something. */
  ready(): boolean;
  /** The owner of peer's id on the ring; rejects when the look-up fails. */
  ownerOf(peer: PeerId): Promise<PeerId>;
  /** Look our own id up through peer, which may stand on another ring (Peer.meet). */
  meet(peer: PeerId): void;
}

interface Member {
  /** Since when it has not been found in place: its hello, or the re-check it failed. */
  unverifiedSinceMs: number;
  verified: boolean;
  /** The server's peer has met it (once per connection). */
  met: boolean;
  delayMs: number;
  timer: TimerHandle | null;
}

export interface RingMembersStats {
  checks: number;
  verified: number;
  /** Peers not in place that the server's peer met, in case they stand on another ring. */
  met: number;
  closedNotOnRing: number;
}

export class RingMembers implements ContactSource {
  readonly stats: RingMembersStats = { checks: 0, verified: 0, met: 0, closedNotOnRing: 0 };
  readonly settings: RingMembersSettings;
  private readonly members = new Map<PeerId, Member>();
  /** Verified peers, for a random pick in O(1); `at` is each one's index. */
  private readonly inPlace: PeerId[] = [];
  private readonly at = new Map<PeerId, number>();
  private readonly due: PeerId[] = [];
  private inFlight = 0;
  private probe: RingProbe | null = null;
  /** When the probe was first seen ready: the bound for unverified peers counts from then. */
  private readyAtMs: number | null = null;
  private readonly unwatch: () => void;

  constructor(
    private readonly hub: SignalHub,
    private readonly clock: Clock,
    private readonly rng: Rng,
    settings: Partial<RingMembersSettings> = {},
  ) {
    this.settings = { ...DEFAULT_RING_MEMBERS_SETTINGS, ...settings };
    this.unwatch = hub.watch((id, present) => (present ? this.arrived(id) : this.left(id)));
  }

  /** Verify through this ring from now on, and name only verified peers as contacts. */
  attach(probe: RingProbe): void {
    this.probe = probe;
    this.left(probe.self);
    this.hub.setContactSource(this);
    for (const id of [...this.members.keys()]) this.schedule(id, this.settings.firstCheckMs);
  }

  /** Back to naming any connected peer (the server's peer is gone). */
  detach(): void {
    this.probe = null;
    this.readyAtMs = null;
    this.hub.setContactSource(null);
  }

  isVerified(id: PeerId): boolean {
    return this.at.has(id);
  }

  /** The peers found in place on the ring, the server's own excluded. */
  verified(): PeerId[] {
    return [...this.inPlace];
  }

  /** Up to n verified peers other than exclude, at random, and the server's peer when it is in place. */
  contacts(exclude: PeerId, n: number): PeerId[] {
    const out = new Set<PeerId>();
    const own = this.probe;
    if (own !== null && own.onRing && own.ready() && own.self !== exclude) out.add(own.self);
    const pool = this.inPlace.length;
    for (let tries = 0; out.size < n && tries < n * 4 && pool > 0; tries++) {
      const id = this.inPlace[this.rng.int(pool)]!;
      if (id !== exclude) out.add(id);
    }
    return [...out].slice(0, n);
  }

  close(): void {
    this.unwatch();
    for (const m of this.members.values()) if (m.timer !== null) this.clock.cancel(m.timer);
    this.members.clear();
  }

  private arrived(id: PeerId): void {
    if (id === this.probe?.self) return;
    const old = this.members.get(id);
    if (old?.timer) this.clock.cancel(old.timer);
    this.setVerified(id, false);
    this.members.set(id, { unverifiedSinceMs: this.clock.now(), verified: false, met: false, delayMs: this.settings.firstCheckMs, timer: null });
    this.schedule(id, this.settings.firstCheckMs);
  }

  private left(id: PeerId): void {
    const m = this.members.get(id);
    if (m?.timer) this.clock.cancel(m.timer);
    this.members.delete(id);
    this.setVerified(id, false);
  }

  private schedule(id: PeerId, delayMs: number): void {
    const m = this.members.get(id);
    if (m === undefined || this.probe === null) return;
    if (m.timer !== null) this.clock.cancel(m.timer);
    m.timer = this.clock.setTimer(delayMs, () => {
      m.timer = null;
      this.due.push(id);
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.settings.maxConcurrentChecks && this.due.length > 0) this.check(this.due.shift()!);
  }

  private check(id: PeerId): void {
    const m = this.members.get(id);
    const probe = this.probe;
    if (m === undefined || probe === null) return;
    if (!probe.ready()) return this.schedule(id, this.settings.firstCheckMs);
    this.readyAtMs ??= this.clock.now();
    this.inFlight++;
    this.stats.checks++;
    const done = (owner: PeerId | null) => {
      this.inFlight--;
      if (this.members.get(id) === m) this.checked(id, m, owner === id);
      this.pump();
    };
    probe.ownerOf(id).then(done, () => done(null));
  }

  private checked(id: PeerId, m: Member, inPlace: boolean): void {
    const s = this.settings;
    if (inPlace) {
      if (!m.verified) this.stats.verified++;
      m.verified = true;
      this.setVerified(id, true);
      return this.schedule(id, s.recheckVerifiedMs);
    }
    // A peer that was in place and is not now gets the whole bound again from now.
    if (m.verified) {
      m.verified = false;
      m.unverifiedSinceMs = this.clock.now();
      m.delayMs = s.firstCheckMs;
    }
    this.setVerified(id, false);
    const since = Math.max(m.unverifiedSinceMs, this.readyAtMs ?? Infinity);
    if (this.clock.now() - since >= s.unverifiedCloseMs) {
      this.stats.closedNotOnRing++;
      return this.hub.close(id, 'NOT_ON_RING', `not found in place on the ring within ${s.unverifiedCloseMs} ms of its hello`);
    }
    if (!m.met && this.clock.now() - since >= s.meetAfterMs) {
      m.met = true;
      this.stats.met++;
      this.probe?.meet(id);
    }
    m.delayMs = Math.min(s.maxCheckIntervalMs, m.delayMs * 2);
    this.schedule(id, m.delayMs);
  }

  private setVerified(id: PeerId, on: boolean): void {
    const i = this.at.get(id);
    if (on && i === undefined) {
      this.at.set(id, this.inPlace.length);
      this.inPlace.push(id);
    } else if (!on && i !== undefined) {
      const last = this.inPlace.pop()!;
      if (last !== id) {
        this.inPlace[i] = last;
        this.at.set(last, i);
      }
      this.at.delete(id);
    }
  }
}
