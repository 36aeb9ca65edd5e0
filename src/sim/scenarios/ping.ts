// The `ping` scenario: N nodes each ping a random other node once per virtual second (with a
// random phase) and the pinged node answers pong. Links are opened on first use and each node
// keeps at most `linkCap` of them, closing the least recently used, as a real peer bounds its
// data channels. Frames go through the real msgpack codec (encodeValue/decodeValue). It is the
// simulator's benchmark: it prints events per second of wall time and the heap it needs.
import type { PeerId } from '../../core/id.js';
import { decodeValue, encodeValue } from '../../core/codec.js';
import type { Clock, Env, LinkDownReason, Net, NetHandler, Rng } from '../../env/ports.js';
import { Simulator } from '../simulator.js';
import { numberOption, type ScenarioOptions, type ScenarioResult } from './options.js';

const PING = 1;
const PONG = 2;
const PING_INTERVAL_MS = 1_000;
/** Links a node keeps open; the least recently used one is closed beyond this. */
const DEFAULT_LINK_CAP = 8;
/** Pings waiting for a link to come up; more are dropped (counted as not sent). */
const MAX_PENDING_PINGS = 4;

interface Counters {
  pings: number;
  pongs: number;
  badFrames: number;
}

// The peer keeps its Env's ports in its own fields and edits its small lists in place (no
// splice or filter copies): this runs once per simulated event, so it is part of what the
// benchmark measures, and it should not cost more than a real peer would.
class PingPeer implements NetHandler {
  private readonly lru: PeerId[] = [];
  private pending: PeerId[] | null = null;
  private seq = 0;
  private readonly clock: Clock;
  private readonly net: Net;
  private readonly rng: Rng;

  constructor(
    env: Env,
    private readonly peers: PeerId[],
    private readonly counters: Counters,
    private readonly linkCap: number,
  ) {
    this.clock = env.clock;
    this.net = env.net;
    this.rng = env.rng;
    env.net.setHandler(this);
    env.clock.setTimer(env.rng.next() * PING_INTERVAL_MS, this.tick);
  }

  private readonly tick = (): void => {
    this.clock.setTimer(PING_INTERVAL_MS, this.tick);
    const n = this.peers.length;
    let target = this.peers[this.rng.int(n - 1)]!;
    if (target === this.net.self) target = this.peers[n - 1]!;
    if (this.net.isLinked(target)) {
      this.touch(target);
      this.sendPing(target);
    } else if ((this.pending ??= []).length < MAX_PENDING_PINGS) {
      this.pending.push(target);
      this.net.connect(target);
    }
  };

  private sendPing(target: PeerId): void {
    const frame = encodeValue({ t: PING, n: this.seq++ });
    if (frame.ok && this.net.send(target, frame.value)) this.counters.pings++;
  }

  onLinkUp(peer: PeerId): void {
    this.touch(peer);
    const pending = this.pending;
    if (pending === null) return;
    for (let i = pending.length - 1; i >= 0; i--) {
      if (pending[i] !== peer) continue;
      removeAt(pending, i);
      this.sendPing(peer);
    }
  }

  onLinkDown(peer: PeerId, reason: LinkDownReason): void {
    const i = this.lru.indexOf(peer);
    if (i >= 0) removeAt(this.lru, i);
    if (reason === 'connect-failed' && this.pending !== null) removeAll(this.pending, peer);
  }

  onMessage(peer: PeerId, frame: Uint8Array): void {
    const r = decodeValue(frame);
    const msg = r.ok ? (r.value as { t?: unknown; n?: unknown }) : null;
    if (msg === null || typeof msg !== 'object' || typeof msg.n !== 'number') {
      this.counters.badFrames++;
      return;
    }
    if (msg.t === PING) {
      const pong = encodeValue({ t: PONG, n: msg.n });
      if (pong.ok) this.net.send(peer, pong.value);
    } else if (msg.t === PONG) {
      this.counters.pongs++;
    } else {
      this.counters.badFrames++;
    }
  }

  /** Mark a link as just used; close the least recently used one beyond the cap. */
  private touch(peer: PeerId): void {
    const lru = this.lru;
    const i = lru.indexOf(peer);
    if (i >= 0) removeAt(lru, i);
    lru.push(peer);
    if (lru.length > this.linkCap) {
      const old = lru[0]!;
      removeAt(lru, 0);
      if (this.pending !== null) removeAll(this.pending, old);
      this.net.disconnect(old);
    }
  }
}

/** Remove list[i], keeping the order of the rest. */
function removeAt(list: PeerId[], i: number): void {
  for (let k = i + 1; k < list.length; k++) list[k - 1] = list[k]!;
  list.length--;
}

/** Remove every occurrence of peer, keeping the order of the rest. */
function removeAll(list: PeerId[], peer: PeerId): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) if (list[r] !== peer) list[w++] = list[r]!;
  list.length = w;
}

export interface PingResult extends ScenarioResult {
  nodes: number;
  events: number;
  virtualSeconds: number;
  wallMs: number;
  eventsPerSec: number;
  heapMB: number;
  digest: string;
  seed: number;
  pings: number;
  pongs: number;
}

export function runPing(opts: ScenarioOptions): PingResult {
  const nodes = numberOption(opts, 'nodes', 1000);
  const seconds = numberOption(opts, 'seconds', 60);
  const seed = numberOption(opts, 'seed', 1);
  const linkCap = numberOption(opts, 'links', DEFAULT_LINK_CAP);
  const sim = new Simulator({ seed });
  const counters: Counters = { pings: 0, pongs: 0, badFrames: 0 };
  const peers: PeerId[] = [];
  for (let i = 0; i < nodes; i++) peers.push(sim.addNode().id);
  for (const node of sim.nodes()) new PingPeer(node.env, peers, counters, linkCap);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = sim.run({ untilMs: seconds * 1000 });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time beside wall time: on a shared machine wall time also counts other processes' turns.
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const heapMB = process.memoryUsage().heapUsed / (1024 * 1024);
  return {
    nodes,
    events: result.events,
    virtualSeconds: seconds,
    wallMs: Math.round(wallMs),
    eventsPerSec: Math.round(result.events / (wallMs / 1000)),
    heapMB: Math.round(heapMB),
    digest: sim.digest(),
    seed,
    cpuMs: Math.round(cpuMs),
    eventsPerCpuSec: Math.round(result.events / (cpuMs / 1000)),
    pings: counters.pings,
    pongs: counters.pongs,
  };
}
