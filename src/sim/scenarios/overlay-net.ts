// A network of Chord peers on the simulator, for the overlay scenario and the overlay tests:
// each peer is a simulated node with its own Mux and base-ring ChordRing, joined organically
// through a random live member (never by writing the ideal ring into memory).
import { idFromHex, type Id, type PeerId } from '../../core/id.js';
import type { SeededRng } from '../../env/rng.js';
import { checkRing, firstWrong, type RingCheck } from '../../overlay/checker.js';
import { Mux } from '../../overlay/mux.js';
import { ChordRing, type RingConfig } from '../../overlay/ring.js';
import type { Simulator } from '../simulator.js';
import type { SimNode } from '../node.js';
import { OverlaySignaler } from '../../services/signal/overlay.js';
import { RoutedSignaler } from '../../services/signal/routed.js';
import { SignaledNet } from '../signaled-net.js';
import { SimSignaling, type SignalingOptions } from '../signaling.js';

export interface OverlayPeer {
  readonly node: SimNode;
  readonly mux: Mux;
  readonly ring: ChordRing;
  readonly id: Id;
  readonly joinCalledAtMs: number;
  /** Virtual time from join() until the peer was in its place ('joined'), once known. */
  joinTookMs: number | null;
  /** When the peer learned its successor (the bootstrap's answer), once known. */
  succKnownAtMs: number | null;
  /** Virtual time from knowing its successor until in its place: the stabilize part of a join. */
  placeTookMs: number | null;
  alive: boolean;
  /** The peer's signaling, when the network models it (OverlayNet.modelSignaling). */
  readonly signaler: RoutedSignaler | null;
}

/** A peer whose join fails (its bootstrap could not answer) tries again through another peer. */
const JOIN_RETRIES = 3;

export class OverlayNet {
  readonly peers: OverlayPeer[] = [];
  joinFailures = 0;
  /** Peers that have been in their place at least once. */
  joinedCount = 0;
  private sorted: OverlayPeer[] | null = null;
  /** Live peers in id order, until one comes or goes: the checker's sort then finds them in order. */
  private liveById: OverlayPeer[] | null = null;
  /** Their rings, for consistent(). */
  private liveRings: ChordRing[] | null = null;
  /** Where consistent() found a wrong peer last, in liveInIdOrder(). */
  private lastWrong = 0;
  /** The server and NAT model when links are set up by signaling; null for the plain connect. */
  signaling: SimSignaling | null = null;

  constructor(
    readonly sim: Simulator,
    readonly config: Partial<RingConfig> = {},
    /** The mux's link budget (MuxOptions.maxLinks), shared by a peer's rings; the mux's default when absent. */
    private readonly maxLinks?: number,
    private readonly rng: SeededRng = sim.stream('overlay-net'),
  ) {}

  /**
   * Set up the links of peers added from now on by offer and answer, as real peers do
   * (signaled-net.ts): through the simulated server for a first contact, through the overlay after.
   */
  modelSignaling(opts?: SignalingOptions): SimSignaling {
    return (this.signaling = new SimSignaling(this.sim, opts));
  }

  /** Add a peer and join it through bootstrap (null creates the ring). */
  add(bootstrap: PeerId | null): OverlayPeer {
    const node = this.sim.addNode();
    const env = node.env;
    const s = this.signaling;
    const signaler = s === null ? null : new RoutedSignaler(node.id);
    const net = s === null || signaler === null ? env.net : new SignaledNet(env.net, node.index, signaler, env.clock, s, (id) => this.sim.indexOf(id));
    const mux = new Mux(net, { maxLinks: this.maxLinks, clock: env.clock });
    const ring = new ChordRing({ clock: env.clock, rng: env.rng, mux, self: node.id, ring: 'base', config: this.config });
    if (s !== null && signaler !== null) {
      // As startPeer wires it: the overlay carries our signaling once a bootstrap has taken us in.
      signaler.setOverlay(new OverlaySignaler(ring), () => mux.linkCount() > 0 && (ring.isMember() || !signaler.hasServer()));
      signaler.setServer(s.connect(node.index, node.id));
    }
    const now = this.sim.now();
    const peer: OverlayPeer = { node, mux, ring, id: idFromHex(node.id), joinCalledAtMs: now, joinTookMs: null, succKnownAtMs: null, placeTookMs: null, alive: true, signaler };
    const off = ring.events.on('successors-changed', () => {
      off();
      peer.succKnownAtMs = this.sim.now();
    });
    ring.events.on('joined', (e) => {
      peer.joinTookMs = e.atMs - peer.joinCalledAtMs;
      peer.placeTookMs = e.atMs - (peer.succKnownAtMs ?? peer.joinCalledAtMs);
      this.joinedCount++;
    });
    this.join(peer, bootstrap, JOIN_RETRIES);
    this.peers.push(peer);
    this.membershipChanged();
    return peer;
  }

  /**
   * Join through bootstrap; when that fails, through another random peer, as a volunteer's page
   * would ask the rendezvous server for another bootstrap. The 'join-failed' event comes inside
   * the simulator's event (the promise would settle only once the synchronous run returns).
   */
  private join(peer: OverlayPeer, bootstrap: PeerId | null, retries: number): void {
    const off = peer.ring.events.on('join-failed', () => {
      off();
      this.joinFailures++;
      if (retries <= 0 || !peer.alive) return;
      this.sim.schedule(0, () => {
        const via = this.randomJoined();
        if (peer.alive && via !== null) this.join(peer, via.node.id, retries - 1);
      });
    });
    peer.ring.join(bootstrap).catch(() => undefined);
  }

  /** A random live peer whose ring is joined, or null when there is none after a few tries. */
  randomJoined(): OverlayPeer | null {
    for (let i = 0; i < 64; i++) {
      const p = this.peers[this.rng.int(this.peers.length)]!;
      if (p.alive && p.ring.isJoined()) return p;
    }
    return this.peers.find((p) => p.alive && p.ring.isJoined()) ?? null;
  }

  /** Add a peer that joins through a random joined peer. */
  addThroughRandom(): OverlayPeer {
    return this.add(this.randomJoined()?.node.id ?? null);
  }

  crash(p: OverlayPeer): void {
    if (!p.alive) return;
    p.alive = false;
    p.ring.stop();
    this.sim.crash(p.node.id);
    this.membershipChanged();
  }

  /** Leave gracefully; the process goes away a moment later, once its leave notices are out. */
  leave(p: OverlayPeer, lingerMs = 500): void {
    if (!p.alive) return;
    p.alive = false;
    p.ring.leave();
    this.membershipChanged();
    this.sim.schedule(lingerMs, () => this.sim.crash(p.node.id));
  }

  /** A peer came or went: both id-ordered views are stale. */
  private membershipChanged(): void {
    this.sorted = null;
    this.liveById = null;
    this.liveRings = null;
  }

  /** Live peers in id order, sorted once per change of membership. */
  private liveInIdOrder(): OverlayPeer[] {
    return (this.liveById ??= this.live().sort((a, b) => (a.node.id < b.node.id ? -1 : 1)));
  }

  live(): OverlayPeer[] {
    return this.peers.filter((p) => p.alive);
  }

  /** The ring checker over live peers; a live peer that has not joined yet also fails it. */
  check(): RingCheck {
    // A simulation of 100,000 peers checks every tenth of a period until the ring is exact: the
    // peers in id order make the checker's sort a single pass.
    const live = this.liveInIdOrder();
    const c = checkRing(live.map((p) => p.ring));
    // Who is joined may have changed since trueOwner last sorted the ring.
    this.sorted = null;
    const waiting = live.length - c.peers;
    if (waiting > 0) {
      c.ok = false;
      c.problems.unshift(`${waiting} live peers have not joined yet`);
    }
    return c;
  }

  /**
   * check().ok, failing fast (see firstWrong): the scenario asks every tenth of a period until the
   * ring is exact, some 50 times at 100,000 peers.
   */
  consistent(): boolean {
    const wrong = firstWrong((this.liveRings ??= this.liveInIdOrder().map((p) => p.ring)), this.lastWrong);
    if (wrong >= 0) this.lastWrong = wrong;
    return wrong < 0;
  }

  /** The true owner of key among live joined peers; `fresh` recomputes even without a crash or add. */
  trueOwner(key: Id, fresh = false): PeerId | null {
    if (this.sorted === null || fresh) {
      this.sorted = this.liveInIdOrder().filter((p) => p.ring.isJoined());
    }
    const s = this.sorted;
    if (s.length === 0) return null;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]!.id < key) lo = mid + 1;
      else hi = mid;
    }
    return s[lo === s.length ? 0 : lo]!.node.id;
  }

  /** Frames sent by all live peers so far. */
  framesOut(): number {
    let n = 0;
    for (const p of this.peers) n += p.mux.stats.framesOut;
    return n;
  }
}
