// The `ping` scenario: N nodes each ping a random other node once per virtual second (with a
// random phase) and the pinged node answers pong. Links are opened on first use and each node
// keeps at most `linkCap` of them, closing the least recently used, as a real peer bounds its
// data channels. Frames go through the real msgpack codec (encodeValue/decodeValue). It is the
// simulator's benchmark: it prints events per second of wall time and the heap it needs.
import type { PeerId } from '../../core/id.js';
import { decodeValue, encodeValue } from '../../core/codec.js';
import type { Clock, Env, LinkDownReason, Net, NetHandler, Rng } from '../../env/ports.js';
import { Simulator } from '../simulator.js';
import type { OptionValues } from '../../core/options.js';
import { defineScenario, NODES_OPTION, SEED_OPTION, type ScenarioResult } from './options.js';

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

// The peer keeps its Env's ports in its own fields and its small lists (LRU, pending) as node
// indices in one Int32Array shared by all peers, a record per peer, edited in place: this runs
// once per simulated event, so it is part of what the benchmark measures. Comparing indices
// touches no memory, whereas comparing two distinct id strings loads both string headers, each a
// likely cache miss among 10,000 nodes; and one shared array keeps a peer's lists on one or two
// cache lines instead of in four objects of their own. A peer id handed to a handler is turned
// into its index by the simulator's own table (Simulator.indexOf), which remembers the id of the
// event being dispatched, rather than by a second map of the scenario's.
const F_LRU_LEN = 0;
const F_PENDING_LEN = 1;
const F_PENDING = 2;
const F_LRU = F_PENDING + MAX_PENDING_PINGS;

/** The records of every peer's lists: lru[0..lruLen) (least recently used first) and pending. */
class PeerLists {
  readonly stride: number;
  readonly mem: Int32Array;
  constructor(peers: number, linkCap: number) {
    // Room for linkCap + 1 entries (one over the cap before the oldest goes), in whole 64-byte lines.
    this.stride = Math.ceil((F_LRU + linkCap + 1) / 16) * 16;
    this.mem = new Int32Array(peers * this.stride);
  }
}

class PingPeer implements NetHandler {
  private readonly mem: Int32Array;
  private readonly base: number;
  private seq = 0;
  private readonly clock: Clock;
  private readonly net: Net;
  private readonly rng: Rng;

  constructor(
    env: Env,
    private readonly self: number,
    private readonly peers: PeerId[],
    private readonly sim: Simulator,
    lists: PeerLists,
    private readonly counters: Counters,
    private readonly linkCap: number,
  ) {
    this.mem = lists.mem;
    this.base = self * lists.stride;
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
      return;
    }
    const mem = this.mem;
    const b = this.base;
    const pendingLen = mem[b + F_PENDING_LEN]!;
    if (pendingLen < MAX_PENDING_PINGS) {
      mem[b + F_PENDING + pendingLen] = target;
      mem[b + F_PENDING_LEN] = pendingLen + 1;
      this.net.connect(id);
    }
  };

  private sendPing(target: PeerId): void {
    const frame = encodeValue({ t: PING, n: this.seq++ });
    if (frame.ok && this.net.send(target, frame.value)) this.counters.pings++;
  }

  onLinkUp(peer: PeerId): void {
    const p = this.sim.indexOf(peer);
    if (p < 0) return;
    this.touch(p);
    const mem = this.mem;
    const at = this.base + F_PENDING;
    const lenAt = this.base + F_PENDING_LEN;
    for (let i = mem[lenAt]! - 1; i >= 0; i--) {
      if (mem[at + i] !== p) continue;
      mem[lenAt] = removeAt(mem, at, mem[lenAt]!, i);
      this.sendPing(peer);
    }
  }

  onLinkDown(peer: PeerId, reason: LinkDownReason): void {
    // 'closed' reports our own disconnect(), which touch() makes only after taking the peer out
    // of the LRU and the pending list: nothing is left to do.
    if (reason === 'closed') return;
    const p = this.sim.indexOf(peer);
    if (p < 0) return;
    const mem = this.mem;
    const b = this.base;
    const i = indexIn(mem, b + F_LRU, mem[b + F_LRU_LEN]!, p);
    if (i >= 0) mem[b + F_LRU_LEN] = removeAt(mem, b + F_LRU, mem[b + F_LRU_LEN]!, i);
    if (reason === 'connect-failed') mem[b + F_PENDING_LEN] = removeAll(mem, b + F_PENDING, mem[b + F_PENDING_LEN]!, p);
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
    const mem = this.mem;
    const b = this.base;
    const at = b + F_LRU;
    let len = mem[b + F_LRU_LEN]!;
    const i = indexIn(mem, at, len, p);
    if (i >= 0) len = removeAt(mem, at, len, i);
    mem[at + len++] = p;
    if (len > this.linkCap) {
      const old = mem[at]!;
      mem[b + F_LRU_LEN] = removeAt(mem, at, len, 0);
      mem[b + F_PENDING_LEN] = removeAll(mem, b + F_PENDING, mem[b + F_PENDING_LEN]!, old);
      this.net.disconnect(this.peers[old]!);
      return;
    }
    mem[b + F_LRU_LEN] = len;
  }
}

/** Position of p in mem[at..at+len), or -1. */
function indexIn(mem: Int32Array, at: number, len: number, p: number): number {
  for (let i = 0; i < len; i++) if (mem[at + i] === p) return i;
  return -1;
}

/** Remove entry i of the list mem[at..at+len), keeping the order of the rest; returns the new length. */
function removeAt(mem: Int32Array, at: number, len: number, i: number): number {
  for (let k = at + i + 1; k < at + len; k++) mem[k - 1] = mem[k]!;
  return len - 1;
}

/** Remove every p from the list mem[at..at+len), keeping the order of the rest; returns the new length. */
function removeAll(mem: Int32Array, at: number, len: number, p: number): number {
  let w = at;
  for (let r = at; r < at + len; r++) if (mem[r] !== p) mem[w++] = mem[r]!;
  return w - at;
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

export const PING_OPTIONS = {
  nodes: NODES_OPTION,
  seconds: { type: 'number', default: 60, min: 0, unit: 's', description: 'virtual seconds to run' },
  seed: SEED_OPTION,
  links: { type: 'integer', default: DEFAULT_LINK_CAP, min: 1, unit: 'links', description: 'links each node keeps open; the least recently used one closes beyond it' },
} as const;

export type PingOptions = OptionValues<typeof PING_OPTIONS>;

export function runPing(opts: PingOptions): PingResult {
  const { nodes, seconds, seed, links: linkCap } = opts;
  const sim = new Simulator({ seed });
  const counters: Counters = { pings: 0, pongs: 0, badFrames: 0 };
  const peers: PeerId[] = [];
  for (let i = 0; i < nodes; i++) {
    const id = sim.addNode().id;
    peers.push(id);
  }
  const lists = new PeerLists(nodes, linkCap);
  sim.nodes().forEach((node, i) => new PingPeer(node.env, i, peers, sim, lists, counters, linkCap));
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

export const PING_SCENARIO = defineScenario({
  description: 'N nodes ping each other over the simulated network (the simulator\'s own benchmark)',
  options: PING_OPTIONS,
  run: runPing,
});
