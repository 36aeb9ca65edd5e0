// The network model of the simulator: what a link between two simulated peers does.
//
// Real peers talk over WebRTC data channels (SCTP), which are ordered and reliable while the
// link is up. So in the default 'reliable' mode a lost frame is not dropped: it is delivered
// late, as an SCTP retransmission would be, and holds up the frames behind it (head-of-line
// blocking); duplicates never reach the application and frames never overtake each other. What
// the application does see is a link that breaks (`breakRate` per frame, crashes, partitions),
// reported as onLinkDown after `failureDetectionMs`, as a real transport notices a dead peer only
// after its keepalives go unanswered. The 'raw' mode exposes datagram faults directly (loss
// drops, duplication delivers twice, jitter reorders) for protocol tests that want them.
import { LINK_CONNECT_TIMEOUT_MS } from '../env/ports.js';
import type { SeededRng } from '../env/rng.js';

export type LatencyModel =
  | { kind: 'constant'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Lognormal around a median; sigma is the spread of ln(latency). */
  | { kind: 'lognormal'; medianMs: number; sigma: number; maxMs?: number };

export interface NetworkOptions {
  /** One-way base latency of a link, drawn once per link. */
  latency: LatencyModel;
  /** Extra per-frame delay, uniform in [0, jitterMs). */
  jitterMs: number;
  mode: 'reliable' | 'raw';
  /** Probability a frame is lost: retransmitted late in 'reliable' mode, dropped in 'raw' mode. */
  lossRate: number;
  /** Delay a lost frame costs in 'reliable' mode (an SCTP retransmission timeout). */
  retransmitMs: number;
  /** 'raw' mode only: probability a frame is delivered twice. */
  dupRate: number;
  /** 'raw' mode only: let jitter reorder frames (otherwise even raw links stay FIFO). */
  reorder: boolean;
  /** Probability per frame that the link breaks ('failed' on both sides). */
  breakRate: number;
  /** How long before a peer notices a crashed, partitioned or broken link. */
  failureDetectionMs: number;
  /**
   * A crashed peer's links still look up to the other side until failureDetectionMs (sends are
   * accepted and their frames lost), as a killed process's WebRTC data channel does until its
   * dead-link timer; otherwise a send on them fails at once, which tells the sender early.
   */
  silentCrashes: boolean;
  /** How long a connect to an unreachable peer takes to fail. */
  connectTimeoutMs: number;
}

export const DEFAULT_NETWORK: NetworkOptions = {
  latency: { kind: 'uniform', minMs: 20, maxMs: 80 },
  jitterMs: 2,
  mode: 'reliable',
  lossRate: 0,
  retransmitMs: 250,
  dupRate: 0,
  reorder: false,
  breakRate: 0,
  failureDetectionMs: 3_000,
  silentCrashes: false,
  connectTimeoutMs: LINK_CONNECT_TIMEOUT_MS,
};

const F_UP_A = 1;
const F_UP_B = 2;
const F_DEAD = 4;
const F_LISTED_A = 8;
const F_LISTED_B = 16;
const F_POOLED = 32;
const F_CANDIDATE = 64;
const F_SILENT = 128;
const T_LATENCY = 0;
const T_LAST_AB = 1;
const T_LAST_BA = 2;
/** Float64 elements per link's record of times (32 bytes, so a record never spans two lines). */
const T_STRIDE = 4;
/** Links per block of time records: blocks never move, so a link keeps its block for life. */
const T_BLOCK = 1024;

/**
 * One link between two nodes, shared by both sides; `a` is the side that created it. Links are
 * recycled (see LinkPool): a link is taken for a connect and given back once neither side's table
 * lists it and no queued event refers to it, so connecting allocates nothing.
 */
export class Link {
  /** The link's boolean state in one small integer (F_* bits): the object stays small. */
  private flags = 0;
  /** Index of the side that closed the link gracefully, or -1. */
  closedBy = -1;
  /** Queued events that refer to this link. */
  refs = 0;

  /** Broken by a crash, a partition or a transport failure: frames in flight are lost. */
  get dead(): boolean {
    return (this.flags & F_DEAD) !== 0;
  }

  set dead(dead: boolean) {
    this.setFlag(F_DEAD, dead);
  }

  /** Dead by a crash that its other side cannot see yet (NetworkOptions.silentCrashes). */
  get silent(): boolean {
    return (this.flags & F_SILENT) !== 0;
  }

  set silent(silent: boolean) {
    this.setFlag(F_SILENT, silent);
  }

  /** Dead, or silently dead: it no longer carries frames. Up as its other side sees it. */
  looksUp(side: number): boolean {
    return (this.flags & (F_DEAD | F_SILENT)) !== F_DEAD && this.isUp(side);
  }

  /**
   * Whether each side's table holds this link (under the other side's key). The transport keeps
   * these in step with the tables, so checking that an event's link is still its node's link
   * reads this object instead of searching the node's table.
   */
  get listedA(): boolean {
    return (this.flags & F_LISTED_A) !== 0;
  }

  get listedB(): boolean {
    return (this.flags & F_LISTED_B) !== 0;
  }

  /** In the pool's free list. */
  get pooled(): boolean {
    return (this.flags & F_POOLED) !== 0;
  }

  set pooled(pooled: boolean) {
    this.setFlag(F_POOLED, pooled);
  }

  /** Waiting in the pool's candidates to be checked. */
  get candidate(): boolean {
    return (this.flags & F_CANDIDATE) !== 0;
  }

  set candidate(candidate: boolean) {
    this.setFlag(F_CANDIDATE, candidate);
  }

  constructor(
    public a: number,
    public b: number,
    latencyMs: number,
    /**
     * The link's times (latency, and the delivery time of the last frame in each direction) live
     * in a record of 4 float64 at t[o]: a number field that is not a small integer would be a heap
     * box of its own, another likely cache miss per frame.
     */
    private readonly t: Float64Array,
    private readonly o: number,
  ) {
    t[o + T_LATENCY] = latencyMs;
    t[o + T_LAST_AB] = 0;
    t[o + T_LAST_BA] = 0;
  }

  /** One-way base latency of the link (ms). */
  get latencyMs(): number {
    return this.t[this.o + T_LATENCY]!;
  }

  /** Delivery time of the last frame from a to b, to keep links FIFO. */
  get lastAB(): number {
    return this.t[this.o + T_LAST_AB]!;
  }

  set lastAB(time: number) {
    this.t[this.o + T_LAST_AB] = time;
  }

  /** Delivery time of the last frame from b to a. */
  get lastBA(): number {
    return this.t[this.o + T_LAST_BA]!;
  }

  set lastBA(time: number) {
    this.t[this.o + T_LAST_BA] = time;
  }

  /** Make a recycled link as new. */
  reset(a: number, b: number, latencyMs: number): void {
    this.flags = 0;
    this.closedBy = -1;
    this.t[this.o + T_LATENCY] = latencyMs;
    this.t[this.o + T_LAST_AB] = 0;
    this.t[this.o + T_LAST_BA] = 0;
    this.refs = 0;
    this.a = a;
    this.b = b;
  }

  isUp(side: number): boolean {
    return (this.flags & (side === this.a ? F_UP_A : F_UP_B)) !== 0;
  }

  setUp(side: number): void {
    this.flags |= side === this.a ? F_UP_A : F_UP_B;
  }

  listed(side: number): boolean {
    return (this.flags & (side === this.a ? F_LISTED_A : F_LISTED_B)) !== 0;
  }

  setListed(side: number, listed: boolean): void {
    this.setFlag(side === this.a ? F_LISTED_A : F_LISTED_B, listed);
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  other(side: number): number {
    return side === this.a ? this.b : this.a;
  }
}

/**
 * Recycles links. A link may be given back once no table lists it and no queued event refers to
 * it; but a caller may still hold it while the event that unlisted it runs, so release() only
 * notes it as a candidate and sweep(), run between events, checks the candidates again and frees
 * those still unreferenced. Reuse order is a stack, so it is deterministic.
 */
export class LinkPool {
  private readonly free: Link[] = [];
  private readonly candidates: Link[] = [];
  /** Links ever made (the rest of take()'s answers were recycled). */
  created = 0;
  private block = new Float64Array(0);

  take(a: number, b: number, latencyMs: number): Link {
    const link = this.free.pop();
    if (link === undefined) {
      const k = this.created++ % T_BLOCK;
      if (k === 0) this.block = new Float64Array(T_BLOCK * T_STRIDE);
      return new Link(a, b, latencyMs, this.block, k * T_STRIDE);
    }
    link.reset(a, b, latencyMs);
    return link;
  }

  /** Note a link that may have just become unreferenced. */
  release(link: Link): void {
    if (link.candidate || link.refs > 0 || link.listedA || link.listedB) return;
    link.candidate = true;
    this.candidates.push(link);
  }

  get pending(): boolean {
    return this.candidates.length > 0;
  }

  /** Free the candidates that are still unreferenced (call between events). */
  sweep(): void {
    const c = this.candidates;
    for (let i = 0; i < c.length; i++) {
      const link = c[i]!;
      link.candidate = false;
      if (link.pooled || link.refs > 0 || link.listedA || link.listedB) continue;
      link.pooled = true;
      this.free.push(link);
    }
    c.length = 0;
  }
}

/** A standard normal sample (Box-Muller; one of the pair is discarded for simplicity). */
export function normal(rng: SeededRng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function sampleLatency(model: LatencyModel, rng: SeededRng): number {
  switch (model.kind) {
    case 'constant':
      return model.ms;
    case 'uniform':
      return model.minMs + rng.next() * (model.maxMs - model.minMs);
    case 'lognormal': {
      const ms = model.medianMs * Math.exp(model.sigma * normal(rng));
      return Math.min(ms, model.maxMs ?? model.medianMs * 20);
    }
  }
}
