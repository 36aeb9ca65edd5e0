// A Peer composes what one volunteer runs over one Env: the Mux (the trust boundary for frames and
// the shared link budget), the base Chord ring, and the services that ride on it. Protocol code
// only: the Net, Clock and Rng come from whoever builds the peer (a Node process, a browser tab or
// the simulator), so this file is the same everywhere.
import { InvalidArgumentError } from '../core/errors.js';
import { type PeerId, type Id } from '../core/id.js';
import type { Clock, Net, Rng, Store } from '../env/ports.js';
import { PrefixStore } from '../env/prefix-store.js';
import { Mux } from '../overlay/mux.js';
import { ChordRing, type LookupResult, type RingConfig } from '../overlay/ring.js';
import { OverlaySignaler } from '../services/signal/overlay.js';
import type { CoordSettings } from '../services/coord/settings.js';
import { CoordService, type Semaphore } from '../services/coord/service.js';
import { StorageService, type StorageOptions } from '../services/storage/service.js';
import type { JobsService } from '../services/jobs/engine/service.js';
import type { SandboxPool } from '../services/jobs/sandbox/pool.js';
import { startJobs } from './jobs.js';
import { startGossip, type PeerGossipOptions } from './gossip.js';
import type { GossipService } from '../gossip/service.js';
import type { SliceService } from '../services/slices/service.js';

export interface PeerOptions {
  clock: Clock;
  rng: Rng;
  net: Net;
  ring?: Partial<RingConfig>;
  /** Open links shared by the rings (default from overlay/constants.ts). */
  maxLinks?: number;
  /** The peer's Store (level in real peers); storage keeps its keys under `storage/` in it. */
  store?: Store;
  /** Run the storage service (needs `store`): hold chunks within quotaBytes, keep metadata, repair. */
  storage?: StorageOptions;
  /** Coordination settings to change from their defaults (services/coord/constants.ts). */
  coord?: Partial<CoordSettings>;
  /**
   * Stand beside the ring (overlay/attach.ts): route through members and own no key, so nothing
   * is kept here by key. Its storage service is then a client only (nothing reaches its holder or
   * keeper, and it runs no repair). The rendezvous server's own peer, by default.
   */
  attached?: boolean;
  /**
   * false: run no tasks of jobs, even on the ring (the rendezvous server's own peer, which runs no
   * user code). It still keeps the jobs whose keys it owns, and tells every peer it links to that
   * it runs none, so their keepers place tasks elsewhere. An attached peer runs none either.
   */
  tasks?: boolean;
  /** Run the gossip layer (membership, network-wide counts, slices) with these attributes (peer/gossip.ts). */
  gossip?: PeerGossipOptions;
  /**
   * The sandboxes its js and wasm tasks run in (worker threads in Node, Web Workers in a tab);
   * without them the peer runs builtins only, and as a keeper refuses js and wasm jobs (it checks
   * a job's modules with them). A peer that runs no tasks keeps them for that check: they start a
   * sandbox only for a task. The peer closes them when it leaves.
   */
  sandboxes?: SandboxPool;
}

/** What a peer says of itself to a dashboard or a bench: its place on the ring. */
export interface PeerStatus {
  id: PeerId;
  joined: boolean;
  successor: PeerId | null;
  predecessor: PeerId | null;
  successors: PeerId[];
  fingers: PeerId[];
  links: number;
}

export class Peer {
  readonly id: PeerId;
  readonly mux: Mux;
  readonly base: ChordRing;
  /** Offers, answers and candidates for later links, routed through the base ring. */
  readonly signal: OverlaySignaler;
  /** The storage service, when this peer lends storage; its `client` is the file API. */
  readonly storage: StorageService | null = null;
  /** Semaphores, locks and throttles: every peer may own resources and solicit leases. */
  readonly coord: CoordService;
  /** The jobs engine: keeps the jobs whose keys it owns and, when it lends storage, runs their tasks. */
  readonly jobs: JobsService | null = null;
  /** Peer sampling and aggregation over the base ring: the cloud's size and totals at this peer. */
  readonly gossip: GossipService | null = null;
  /** Customer slices: this peer's membership, and the slice directory when it keeps it. */
  readonly slices: SliceService | null = null;
  /** The sandboxes its js and wasm tasks run in. */
  readonly sandboxes: SandboxPool | null = null;
  private stopped = false;

  constructor(opts: PeerOptions) {
    this.id = opts.net.self;
    this.mux = new Mux(opts.net, { clock: opts.clock, ...(opts.maxLinks !== undefined ? { maxLinks: opts.maxLinks } : {}) });
    this.base = new ChordRing({ clock: opts.clock, rng: opts.rng.fork('base-ring'), mux: this.mux, self: this.id, ring: 'base', ...(opts.ring ? { config: opts.ring } : {}), ...(opts.attached === true ? { attached: true } : {}) });
    this.signal = new OverlaySignaler(this.base);
    // Peers of another ring we met are signaled through the peer of that ring we are linked to:
    // our own ring's routes toward them end at peers of ours until the rings have merged.
    this.base.events.on('met', (e) => this.signal.relayThrough(e.peers, e.via));
    this.coord = new CoordService({ ...opts.coord, ring: this.base, clock: opts.clock, rng: opts.rng.fork('coord') });
    if (opts.storage) {
      if (!opts.store) throw new InvalidArgumentError('the storage service needs the peer\'s store');
      const env = { clock: opts.clock, rng: opts.rng.fork('storage'), net: opts.net, store: PrefixStore.of(opts.store, 'storage/') };
      this.storage = new StorageService(this.base, env, opts.attached === true ? { ...opts.storage, repair: false } : opts.storage);
      this.sandboxes = opts.sandboxes ?? null;
      this.jobs = startJobs(this.base, opts.clock, opts.store, () => this.storage?.client ?? null, { sandboxes: this.sandboxes ?? undefined, worker: opts.attached !== true && opts.tasks !== false });
      // A peer that runs no tasks says so on each link it gets (services/jobs/engine/no-tasks.ts).
      this.base.events.on('link-up', (e) => this.jobs?.linkUp(e.peer));
    }
    if (opts.gossip) ({ gossip: this.gossip, slices: this.slices } = startGossip(this.base, opts.clock, opts.rng, opts.gossip, () => this.storage));
  }

  /** Create a ring (no contact) or join one through any of the contacts, trying each in turn. */
  async join(contacts: readonly PeerId[]): Promise<void> {
    const others = contacts.filter((c) => c !== this.id);
    // Storage answers only once we are on the ring: before that no key is ours to keep.
    if (others.length === 0) {
      await this.base.join(null);
      this.startServices();
      return;
    }
    let last: unknown = null;
    for (const c of others) {
      try {
        await this.base.join(c);
        this.startServices();
        return;
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * Peers that may stand on another ring (the rendezvous server's contacts after it restarted):
   * look our own id up through them, so that two rings that meet merge (overlay/meet.ts).
   */
  meet(peers: readonly PeerId[]): void {
    this.base.meet(peers.filter((p) => p !== this.id));
  }

  private startServices(): void {
    this.storage?.start();
    this.jobs?.start();
    this.gossip?.start();
    this.slices?.start();
    // Owners count their takeover wait from here: nothing is granted for one lease after joining.
    this.coord.start();
  }

  /** A semaphore on the cloud: `acquire({ waitMs })` resolves to a lease (`release()`), or is refused. */
  semaphore(name: string, opts: { capacity: number }): Semaphore {
    return this.coord.semaphore(name, opts);
  }

  /** A lock: a semaphore of capacity 1. */
  lock(name: string): Semaphore {
    return this.coord.lock(name);
  }

  lookup(key: Id, timeoutMs?: number): Promise<LookupResult> {
    return this.base.lookup(key, timeoutMs);
  }

  status(): PeerStatus {
    const joined = this.base.isJoined();
    return {
      id: this.id,
      joined,
      successor: joined ? this.base.successor() : null,
      predecessor: this.base.predecessor(),
      successors: this.base.successors(),
      fingers: [...new Set(this.base.fingers().map((f) => f.peer))],
      links: this.mux.linkCount(),
    };
  }

  /**
   * Hand our keys over to our neighbours and stop the rings; idempotent. The links stay open so
   * the leave messages can drain: the owner of the Net closes it a moment later (close()).
   */
  leave(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.storage?.stop();
    this.jobs?.stop();
    this.slices?.stop();
    this.gossip?.stop();
    this.sandboxes?.close();
    this.coord.stop();
    this.signal.stop();
    this.base.leave();
  }

  /** Close every link; call after leave(), or alone to vanish as a crash would. */
  close(): void {
    this.leave();
    this.mux.close();
  }
}
