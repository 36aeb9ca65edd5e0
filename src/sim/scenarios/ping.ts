// The `ping` scenario: N nodes each ping a random other node once per virtual second (with a
// random phase) and the pinged node answers pong. Links are opened on first use and each node
// keeps at most `linkCap` of them, closing the least recently used, as a real peer bounds its
// data channels. Frames go through the real msgpack codec (encodeValue/decodeValue). It is the
// simulator's benchmark: it prints events per second of wall time and the heap it needs.
import type { PeerId } from '../../core/id.js';
import { decodeValue, encodeValue } from '../../core/codec.js';
import { InvalidArgumentError } from '../../core/errors.js';
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

// The peer keeps its Env's ports in its own fields and keeps its small lists (LRU, pending) as
// node indices in typed arrays, edited in place: this runs once per simulated event, so it is
// part of what the benchmark measures. Comparing indices touches no memory, whereas comparing two
// distinct id strings loads both string headers, each a likely cache miss among 10,000 nodes.
class PingPeer implements NetHandler {
  /** Indices of linked peers, least recently used first: lru[0..lruLen). */
  private readonly lru: Int32Array;
  private lruLen = 0;
  /** Indices of peers with a ping waiting for the link to come up: pending[0..pendingLen). */
  private readonly pending = new Int32Array(MAX_PENDING_PINGS);
  private pendingLen = 0;
  private seq = 0;
  private readonly clock: Clock;
  private readonly net: Net;
  private readonly rng: Rng;

  constructor(
    env: Env,
    private readonly self: number,
    private readonly peers: PeerId[],
    private readonly indexOf: Map<PeerId, number>,
    private readonly counters: Counters,
    private readonly linkCap: number,
  ) {
    this.lru = new Int32Array(linkCap + 1);
    this.clock = env.clock;
    this.net = env.net;
    this.rng = env.rng;
    env.net.setHandler(this);
    env.clock.setTimer(env.rng.next() * PING_INTERVAL_MS, this.tick);
  }

  private readonly tick = (): void => {
    this.clock.setTimer(PING_INTERVAL_MS, this.tick);
    const n = this.peers.length;
    let target = this.rng.int(n - 1);
    if (target === this.self) target = n - 1;
    const id = this.peers[target]!;
    if (this.net.isLinked(id)) {
      this.touch(target);
      this.sendPing(id);
    } else if (this.pendingLen < MAX_PENDING_PINGS) {
      this.pending[this.pendingLen++] = target;
      this.net.connect(id);
    }
  };

  private sendPing(target: PeerId): void {
    const frame = encodeValue({ t: PING, n: this.seq++ });
    if (frame.ok && this.net.send(target, frame.value)) this.counters.pings++;
  }

  onLinkUp(peer: PeerId): void {
    const p = this.indexOf.get(peer);
    if (p === undefined) return;
    this.touch(p);
    const pending = this.pending;
    for (let i = this.pendingLen - 1; i >= 0; i--) {
      if (pending[i] !== p) continue;
      this.pendingLen = removeAt(pending, this.pendingLen, i);
      this.sendPing(peer);
    }
  }

  onLinkDown(peer: PeerId, reason: LinkDownReason): void {
    const p = this.indexOf.get(peer);
    if (p === undefined) return;
    const i = indexIn(this.lru, this.lruLen, p);
    if (i >= 0) this.lruLen = removeAt(this.lru, this.lruLen, i);
    if (reason === 'connect-failed') this.pendingLen = removeAll(this.pending, this.pendingLen, p);
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

  /** Mark the link to peer index p as just used; close the least recently used one beyond the cap. */
  private touch(p: number): void {
    const lru = this.lru;
    let len = this.lruLen;
    const i = indexIn(lru, len, p);
    if (i >= 0) len = removeAt(lru, len, i);
    lru[len++] = p;
    if (len > this.linkCap) {
      const old = lru[0]!;
      len = removeAt(lru, len, 0);
      this.lruLen = len;
      this.pendingLen = removeAll(this.pending, this.pendingLen, old);
      this.net.disconnect(this.peers[old]!);
      return;
    }
    this.lruLen = len;
  }
}

function indexIn(list: Int32Array, len: number, p: number): number {
  for (let i = 0; i < len; i++) if (list[i] === p) return i;
  return -1;
}

/** Remove list[i] of list[0..len), keeping the order of the rest; returns the new length. */
function removeAt(list: Int32Array, len: number, i: number): number {
  for (let k = i + 1; k < len; k++) list[k - 1] = list[k]!;
  return len - 1;
}

/** Remove every occurrence of p from list[0..len), keeping the order of the rest; returns the new length. */
function removeAll(list: Int32Array, len: number, p: number): number {
  let w = 0;
  for (let r = 0; r < len; r++) if (list[r] !== p) list[w++] = list[r]!;
  return w;
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
  if (!Number.isInteger(linkCap) || linkCap < 1) throw new InvalidArgumentError(`--links needs a whole number >= 1, got ${linkCap}`);
  const sim = new Simulator({ seed });
  const counters: Counters = { pings: 0, pongs: 0, badFrames: 0 };
  const peers: PeerId[] = [];
  const indexOf = new Map<PeerId, number>();
  for (let i = 0; i < nodes; i++) {
    const id = sim.addNode().id;
    indexOf.set(id, i);
    peers.push(id);
  }
  sim.nodes().forEach((node, i) => new PingPeer(node.env, i, peers, indexOf, counters, linkCap));
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
