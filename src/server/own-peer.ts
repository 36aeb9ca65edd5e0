// The server's own peer: it stands on the ring like any other, with its identity kept in a level
// store so it keeps its id across restarts. It signals through the hub in-process, so joining
// peers can link to it as a first contact, and it verifies which of the hub's peers stand on the
// ring (ring-members.ts), so that the hub names only those as contacts.
//
// It never starts a ring of its own while the ring it left may be reachable. It keeps the peers it
// was linked to (host/known-peers.ts); after a restart it joins through the first of them that
// reconnects to the hub (a live peer retries within MAX_RECONNECT_MS) and is in place on a ring.
// It creates a ring only when it knew no peer (a brand-new cloud, or every peer had left when it
// stopped), when every peer it knew is back and on no ring (a local cloud restarting after a
// crash), or when KNOWN_PEERS_WAIT_MS passes without one: a peer of the old ring that comes back
// later meets the new ring through the server's contacts and the two merge (overlay/meet.ts).
// Attached beside the ring (the default), it creates no ring and cannot meet one: a peer the hub
// finds on another ring is sent the contacts of ours to meet instead (SignalHub.pushContacts).
import { idFromHex, type PeerId } from '../core/id.js';
import { errorCode } from '../core/errors.js';
import type { Clock } from '../env/ports.js';
import type { Bootstrap, JoinFailure } from '../host/bootstrap.js';
import { startNodePeer } from '../host/node-peer.js';
import { MAX_RECONNECT_MS, type RunningPeer } from '../host/start-peer.js';
import { RealClock } from '../runtime/clock.js';
import type { StorageOptions } from '../services/storage/service.js';
import type { CumulusServer } from './app.js';
import type { SignalHub } from './hub.js';
import type { IceInterfaces } from '../runtime/node-rtc.js';

export interface ServerPeerOptions {
  dataDir: string;
  /** Where the server's peer gathers ICE candidates (default loopback; `cumulus serve` gives all). */
  iceInterfaces?: IceInterfaces;
  /**
   * Stand on the ring and lend storage (`cumulus serve --lend-storage`, a one-machine cloud). By
   * default the server's peer stands beside the ring (overlay/attach.ts): it routes, signals and
   * gateways, but owns no key, so it holds no chunk and no file record; the gateway's files live
   * on the volunteers through its storage client.
   */
  lendStorage?: boolean;
  /** The storage the server's peer lends with lendStorage (default 1 GiB). */
  storage?: StorageOptions;
  /** Abort a start still waiting for a ring to attach to (the server is closing). */
  signal?: AbortSignal;
  /** Longest wait for a peer it knew to come back before it creates a ring (default KNOWN_PEERS_WAIT_MS). */
  knownPeersWaitMs?: number;
  /**
   * Peers that start with the server and so come back on no ring (`cumulus up`'s own volunteers):
   * not waited for, so a local cloud restarting after a crash does not wait out KNOWN_PEERS_WAIT_MS.
   */
  startingWithIt?: readonly PeerId[];
}

export const SERVER_PEER_QUOTA_BYTES = 1024 * 1024 * 1024;
/**
 * Longest the server's peer waits for a peer it knew to reconnect and let it in: a live peer tries
 * the server again at least every MAX_RECONNECT_MS (15 s); twice that covers its handshake and a
 * join on a loaded machine. Meanwhile the gateway answers 503.
 */
export const KNOWN_PEERS_WAIT_MS = 2 * MAX_RECONNECT_MS;
/** A known peer on the hub whose join failed without saying it stands on no ring (no link, no answer) is tried again after this. */
const KNOWN_PEER_RETRY_MS = 2_000;
/** How often the hub is looked at for known peers while waiting. */
const POLL_MS = 250;

/** How the server's peer found its ring, for `cumulus serve` to say. */
export interface ServerPeerStart {
  /** Peers it was linked to when it last ran. */
  knownPeers: number;
  /** Joined through a known peer, created a new ring, or attached beside the ring (the default: it lends no storage). */
  outcome: 'joined' | 'created' | 'attached';
  via: PeerId | null;
  waitedMs: number;
  /** Why it created a ring, in words. */
  reason: string;
}

export type ServerPeer = RunningPeer & { readonly id: RunningPeer['identity']['id']; readonly start: ServerPeerStart };

export async function startServerPeer(server: CumulusServer, opts: ServerPeerOptions): Promise<ServerPeer> {
  let running: RunningPeer | null = null;
  let boot: KnownPeers | HubMembers | null = null;
  const clock = new RealClock();
  const lend = opts.lendStorage === true;
  running = await startNodePeer({
    dataDir: opts.dataDir,
    ...(opts.iceInterfaces ? { iceInterfaces: opts.iceInterfaces } : {}),
    storage: opts.storage ?? { quotaBytes: lend ? SERVER_PEER_QUOTA_BYTES : 0 },
    ...(lend ? {} : { attached: true }),
    // The server runs no user code: on the ring or beside it, its peer runs no tasks of jobs.
    tasks: false,
    rememberPeers: true,
    local: (self) => {
      const signaler = server.hub.attachLocal(self, { onRing: lend });
      server.members.attach({
        self,
        onRing: lend,
        ready: () => running?.peer.base.isJoined() ?? false,
        ownerOf: async (p) => (await running!.peer.lookup(idFromHex(p))).owner,
        meet: (p) => {
          // Beside the ring it cannot meet another ring itself: the peer meets ours instead.
          if (!lend) return void server.hub.pushContacts(p);
          // It is on the hub: offer through the hub, since our own ring may not route to it.
          running?.signaler.preferServer([p]);
          running?.peer.meet([p]);
        },
      });
      const ice = server.ice;
      return {
        signaler,
        ...(ice && !ice.empty ? { ice: () => ice.forPeer(self) } : {}),
        detach: () => {
          server.members.detach();
          signaler.detach();
        },
        bootstrap: (known) => {
          if (!lend) return (boot = new HubMembers(server.hub, self, clock, opts.signal));
          const ours = new Set([self, ...(opts.startingWithIt ?? [])]);
          return (boot = new KnownPeers(server.hub, known.filter((p) => !ours.has(p)), clock, opts.knownPeersWaitMs ?? KNOWN_PEERS_WAIT_MS));
        },
      };
    },
  });
  // Pages using the coordination drop-in ask the ring through this peer (dropin-gateway.ts).
  server.dropin.attach(running.peer);
  const start = (boot as KnownPeers | HubMembers | null)?.result ?? { knownPeers: 0, outcome: 'created', via: null, waitedMs: 0, reason: 'no bootstrap' };
  if (!lend) keepAttached(running, server.hub);
  return Object.assign(running, { id: running.identity.id, start });
}

/** How often an attached server peer checks that it still reaches the ring through some member. */
const REATTACH_CHECK_MS = 5_000;
/** Hub peers offered to an attached server peer that lost every member it knew. */
const REATTACH_OFFER = 8;

/**
 * An attached peer that lost every member it knew (all failed at once) is offered the hub's
 * peers to reach the ring through again; until then the gateway's requests fail (503).
 */
function keepAttached(running: RunningPeer, hub: SignalHub): void {
  const ring = running.peer.base;
  const timer = setInterval(() => {
    if (ring.successors().length === 0) ring.reattach(hub.anyConnected(ring.self, REATTACH_OFFER));
  }, REATTACH_CHECK_MS);
  timer.unref();
  const close = running.close;
  Object.assign(running, { close: () => (clearInterval(timer), close()) });
}

/**
 * The bootstrap of a server peer that lends no storage: it attaches beside the ring through any
 * peer on the hub that is in place on one (a peer that is not refuses, and is tried again later).
 * It never creates a ring: the first volunteer does (the hub does not count this peer, so that
 * volunteer hears it is alone), and the gateway answers 503 until a ring exists.
 */
class HubMembers implements Bootstrap {
  result: ServerPeerStart = { knownPeers: 0, outcome: 'attached', via: null, waitedMs: 0, reason: '' };
  private readonly startMs: number;
  private readonly retryAtMs = new Map<PeerId, number>();

  constructor(
    private readonly hub: SignalHub,
    private readonly self: PeerId,
    private readonly clock: Clock,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.startMs = clock.now();
  }

  async next(failure: JoinFailure | null): Promise<PeerId[]> {
    if (failure !== null) {
      const p = failure.contacts[0]!;
      this.retryAtMs.set(p, this.clock.now() + KNOWN_PEER_RETRY_MS);
      if (this.retryAtMs.size > REATTACH_OFFER * 64) this.retryAtMs.delete(this.retryAtMs.keys().next().value as PeerId);
    }
    for (;;) {
      if (this.signal?.aborted === true) throw new Error('the server closed before its peer could attach to a ring');
      const now = this.clock.now();
      const ready = this.hub.anyConnected(this.self, REATTACH_OFFER).find((p) => (this.retryAtMs.get(p) ?? 0) <= now);
      if (ready !== undefined) {
        this.result = { ...this.result, via: ready, waitedMs: Math.round(now - this.startMs) };
        return [ready];
      }
      await new Promise<void>((resolve) => this.clock.setTimer(POLL_MS, resolve));
    }
  }
}

/** The server peer's bootstrap: the peers it knew, as they reconnect to the hub (see the top of this file). */
class KnownPeers implements Bootstrap {
  result: ServerPeerStart;
  private readonly startMs: number;
  /** Known peers that answered that they stand on no ring. */
  private readonly onNoRing = new Set<PeerId>();
  /** Known peers whose join failed otherwise, and when they may be tried again. */
  private readonly retryAtMs = new Map<PeerId, number>();

  constructor(
    private readonly hub: SignalHub,
    private readonly known: readonly PeerId[],
    private readonly clock: Clock,
    private readonly waitMs: number,
  ) {
    this.startMs = clock.now();
    this.result = { knownPeers: known.length, outcome: 'created', via: null, waitedMs: 0, reason: '' };
  }

  async next(failure: JoinFailure | null): Promise<PeerId[] | 'create'> {
    if (failure !== null) {
      const p = failure.contacts[0]!;
      if (errorCode(failure.error) === 'REFUSED') this.onNoRing.add(p);
      else this.retryAtMs.set(p, this.clock.now() + KNOWN_PEER_RETRY_MS);
    }
    for (;;) {
      const now = this.clock.now();
      const waiting = this.known.filter((p) => !this.onNoRing.has(p));
      if (this.known.length === 0) return this.create('it knew no peer: a new cloud, or every peer had left when it stopped');
      if (waiting.length === 0) return this.create(`every one of the ${this.known.length} peers it knew came back on no ring`);
      if (now - this.startMs >= this.waitMs) return this.create(`none of the ${waiting.length} peers it knew came back on a ring within ${this.waitMs} ms`);
      const ready = waiting.find((p) => this.hub.has(p) && (this.retryAtMs.get(p) ?? 0) <= now);
      if (ready !== undefined) {
        this.result = { ...this.result, outcome: 'joined', via: ready, waitedMs: Math.round(now - this.startMs), reason: '' };
        return [ready];
      }
      await new Promise<void>((resolve) => this.clock.setTimer(POLL_MS, resolve));
    }
  }

  private create(reason: string): 'create' {
    this.result = { ...this.result, outcome: 'created', via: null, waitedMs: Math.round(this.clock.now() - this.startMs), reason };
    return 'create';
  }
}
