// A simulated node and the Env it hands to protocol code. Node objects stay small: links, store
// and rng are allocated only when first used, so 100,000 idle nodes fit in a modest heap. Each
// crash bumps the node's epoch; Env objects of an older epoch become inert (timers never fire,
// sends return false), just as the code of a crashed process stops running.
import type { PeerId } from '../core/id.js';
import type { Clock, Env, Net, NetHandler, Rng, Store, TimerHandle } from '../env/ports.js';
import { MemoryStore } from '../env/memory-store.js';
import { derivedRng } from '../env/rng.js';
import type { Simulator } from './simulator.js';
import type { NodeRef } from './transport.js';

/** What a scenario holds of a node: its id, its index in the simulator and its current Env. */
export interface SimNode {
  readonly id: PeerId;
  readonly index: number;
  readonly env: Env;
  readonly up: boolean;
}

// A node's up flag, epoch and partition group live in the simulator's arrays by index (events
// read them there without loading node objects); these accessors are the only other way to them.
export class SimNodeState implements SimNode {
  store: MemoryStore | null = null;
  env: SimEnv;

  constructor(
    private readonly sim: Simulator,
    readonly index: number,
    readonly id: PeerId,
  ) {
    this.env = new SimEnv(sim, this);
  }

  get up(): boolean {
    return this.sim.ups[this.index] === 1;
  }

  set up(up: boolean) {
    this.sim.ups[this.index] = up ? 1 : 0;
  }

  /** Bumped by each crash and restart: timers and links of an older incarnation are inert. */
  get epoch(): number {
    return this.sim.epochs[this.index]!;
  }

  set epoch(epoch: number) {
    this.sim.epochs[this.index] = epoch;
  }

  /** Partition group; nodes reach each other only within one group. */
  get group(): number {
    return this.sim.groups[this.index]!;
  }

  set group(group: number) {
    this.sim.groups[this.index] = group;
  }
}

const INERT_HANDLE = -1 as TimerHandle;

// Clock and Net check liveness against sim.epochs rather than their node object: a crash or a
// restart bumps the epoch, so a matching epoch means this incarnation is the running one.
class SimClock implements Clock {
  private readonly index: number;
  constructor(
    private readonly sim: Simulator,
    node: SimNodeState,
    private readonly epoch: number,
  ) {
    this.index = node.index;
  }

  now(): number {
    return this.sim.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    if (this.sim.epochs[this.index] !== this.epoch) return INERT_HANDLE;
    return this.sim.scheduleTimer(this.index, this.epoch, delayMs, fn);
  }

  cancel(handle: TimerHandle): void {
    if (typeof handle === 'number') this.sim.cancelTimer(this.index, handle);
  }
}

// The Net is the transport's NodeRef for its node (index and id), so a send loads no node object.
class SimNet implements Net, NodeRef {
  readonly self: PeerId;
  readonly id: PeerId;
  readonly index: number;
  constructor(
    private readonly sim: Simulator,
    private readonly node: SimNodeState,
    private readonly epoch: number,
  ) {
    this.self = node.id;
    this.id = node.id;
    this.index = node.index;
  }

  private live(): boolean {
    // The epoch changes on every crash and restart, so a match implies the node is up.
    return this.sim.epochs[this.index] === this.epoch;
  }

  setHandler(handler: NetHandler): void {
    if (this.live()) this.sim.handlers[this.index] = handler;
  }

  connect(peer: PeerId): void {
    if (this.live()) this.sim.transport.connect(this, peer);
  }

  disconnect(peer: PeerId): void {
    if (this.live()) this.sim.transport.disconnect(this, peer);
  }

  send(peer: PeerId, frame: Uint8Array, value?: unknown): boolean {
    return this.live() && this.sim.transport.send(this, peer, frame, value);
  }

  isLinked(peer: PeerId): boolean {
    return this.live() && this.sim.transport.isLinked(this, peer);
  }

  links(): PeerId[] {
    if (!this.live()) return [];
    return this.sim.transport.linkedPeers(this);
  }

  close(): void {
    if (!this.live()) return;
    this.sim.transport.closeAll(this);
    this.sim.handlers[this.index] = null;
  }
}

export class SimEnv implements Env {
  readonly clock: Clock;
  readonly net: Net;
  private rngCache: Rng | null = null;
  private storeCache: Store | null = null;
  private readonly epoch: number;

  constructor(
    private readonly sim: Simulator,
    private readonly node: SimNodeState,
  ) {
    this.epoch = node.epoch;
    this.clock = new SimClock(sim, node, node.epoch);
    this.net = new SimNet(sim, node, node.epoch);
  }

  get rng(): Rng {
    // Derived from (seed, index, epoch) without touching other streams, so lazy creation in
    // any order still gives every node the same stream for a given seed.
    return (this.rngCache ??= derivedRng(this.sim.seed, `node:${this.node.index}:${this.epoch}`));
  }

  get store(): Store {
    return (this.storeCache ??= this.node.store ??= new MemoryStore());
  }
}
