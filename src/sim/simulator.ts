// The deterministic discrete-event simulator. One seeded root Rng; everything random is forked
// from it by label. One event queue ordered by (virtual time, sequence number). Same seed, same
// scenario code: same ordered event trace, checked by a running digest of the trace.
//
// run() is synchronous and fastest: use it for protocol code made of synchronous callbacks.
// runAsync() lets promise continuations (services awaiting Store promises or replies) run at the
// virtual time of the event that caused them: before virtual time moves forward it yields one
// macrotask turn (setImmediate), which drains the whole microtask queue. Events at one instant
// run back to back and their continuations run after them, still at that instant; yielding only
// when time advances instead of after every event keeps the cost of a yield per instant.
import type { PeerId } from '../core/id.js';
import type { NetHandler } from '../env/ports.js';
import { derivedRng, seededRng, type SeededRng } from '../env/rng.js';
import { MemoryStore } from '../env/memory-store.js';
import { TraceDigest } from './digest.js';
import { SimFailureError } from './errors.js';
import { EV_CALL, EV_DELIVER, EV_TIMER, EventQueue } from './events.js';
import { DEFAULT_NETWORK, type NetworkOptions } from './network.js';
import { SimEnv, SimNodeState, type SimNode } from './node.js';
import type { LinkTable } from './link-table.js';
import { SimTransport } from './transport.js';
import { grown } from './calendar.js';

export interface SimulatorOptions {
  seed: number;
  network?: Partial<NetworkOptions>;
}

export interface RunOptions {
  /** Stop once virtual time would pass this absolute time (ms); time is then set to it. */
  untilMs?: number;
  /** Stop after this much more virtual time (ms). */
  forMs?: number;
  /** Stop after this many events. */
  maxEvents?: number;
  /** Stop as soon as this returns true (checked after every event). */
  until?: () => boolean;
}

export interface RunResult {
  events: number;
  nowMs: number;
}

export interface SimStats {
  events: number;
  timers: number;
  framesSent: number;
  framesDelivered: number;
  framesDropped: number;
  connects: number;
  connectFailures: number;
  linkBreaks: number;
  crashes: number;
  restarts: number;
}

export interface ConvergenceResult {
  converged: true;
  /** Virtual time from the start of the healed phase until the predicate held. */
  tookMs: number;
}

/** What an invariant checker returns: nothing or true when fine, false or a message when not. */
export type CheckResult = void | boolean | string;

const ID_WORDS = 5;

export class Simulator {
  readonly seed: number;
  /** The root stream; scenarios fork their own streams from it by label. */
  readonly rng: SeededRng;
  readonly network: NetworkOptions;
  readonly stats: SimStats = {
    events: 0, timers: 0, framesSent: 0, framesDelivered: 0, framesDropped: 0,
    connects: 0, connectFailures: 0, linkBreaks: 0, crashes: 0, restarts: 0,
  };
  /** @internal */ readonly queue = new EventQueue();
  /** @internal */ readonly transport: SimTransport;
  private readonly nodeList: SimNodeState[] = [];
  /** Node index by id. */
  private readonly byId = new Map<string, number>();
  /** The last id indexOf() answered for, and its answer. */
  private lastId: string | null = null;
  private lastIndex = -1;
  private readonly idRng: SeededRng;
  private readonly trace = new TraceDigest();
  private nowMs = 0;
  /**
   * @internal Each node's current epoch in one contiguous array, so that timer and liveness
   * checks touch no node object: with many nodes each object touched is a likely cache miss.
   */
  epochs = new Int32Array(1024);
  /** @internal 1 while the node of that index is up (node.up, in an array for the same reason). */
  ups = new Uint8Array(1024);
  /** @internal Each node's partition group (node.group), by index. */
  groups = new Int32Array(1024);
  /** @internal Each node's id, by index. */
  readonly ids: PeerId[] = [];
  /** @internal Each node's NetHandler by index: delivering a frame loads no node object. */
  readonly handlers: (NetHandler | null)[] = [];
  /** @internal Each node's link table by index (see transport.ts); null until its first link. */
  readonly tables: (LinkTable | null)[] = [];
  private running = false;

  constructor(opts: SimulatorOptions) {
    this.seed = opts.seed;
    this.rng = seededRng(opts.seed);
    this.network = { ...DEFAULT_NETWORK, ...opts.network };
    this.transport = new SimTransport(this, this.network, this.rng.fork('network'));
    this.idRng = this.rng.fork('ids');
  }

  now(): number {
    return this.nowMs;
  }

  digest(): string {
    return this.trace.hex();
  }

  get nodeCount(): number {
    return this.nodeList.length;
  }

  /** Add a node (a fresh random id unless one is given); it is up at once. */
  addNode(id?: PeerId): SimNode {
    const peerId = id ?? this.randomId();
    if (this.byId.has(peerId)) throw new SimFailureError(this.seed, this.nowMs, `node ${peerId} already exists`);
    const index = this.nodeList.length;
    // The node's state arrays first: the node reads its epoch, up flag and group from them.
    if (index >= this.epochs.length) {
      this.epochs = grown(this.epochs, new Int32Array(this.epochs.length * 2));
      this.ups = grown(this.ups, new Uint8Array(this.ups.length * 2));
      this.groups = grown(this.groups, new Int32Array(this.groups.length * 2));
    }
    this.ids.push(peerId);
    this.ups[index] = 1;
    this.handlers.push(null);
    this.tables.push(null);
    this.byId.set(peerId, index);
    this.lastId = null;
    const node = new SimNodeState(this, index, peerId);
    this.nodeList.push(node);
    return node;
  }

  node(id: PeerId): SimNode | undefined {
    return this.nodeState(id);
  }

  nodes(): readonly SimNode[] {
    return this.nodeList;
  }

  /** @internal */ nodeState(id: string): SimNodeState | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.nodeList[i];
  }

  /**
   * The index of the node with this id, or -1 when there is none. The last answer is kept, and
   * the transport notes the peer of each network event it dispatches (noteIndex): a handler that
   * looks up or answers the peer it was just handed, or checks a link and then sends on it, asks
   * for that same string, and comparing it with the one kept is cheaper than hashing it and
   * probing the table.
   */
  indexOf(id: string): number {
    if (id === this.lastId) return this.lastIndex;
    const i = this.byId.get(id) ?? -1;
    this.lastId = id;
    this.lastIndex = i;
    return i;
  }

  /** @internal Remember that the node with this id has this index (an event just named both). */
  noteIndex(id: string, index: number): void {
    this.lastId = id;
    this.lastIndex = index;
  }

  /** @internal */ nodeAt(index: number): SimNodeState {
    return this.nodeList[index]!;
  }

  /** The node stops: its timers never fire, its links die, peers notice after the detection delay. */
  crash(id: PeerId): void {
    const n = this.mustGet(id);
    if (!n.up) return;
    this.stats.crashes++;
    this.transport.crash(n);
    n.up = false;
    n.epoch++;
    this.handlers[n.index] = null;
  }

  /** Bring a crashed node back with a fresh Env; its Store survives only if keepStore. */
  restart(id: PeerId, opts: { keepStore: boolean } = { keepStore: true }): SimNode {
    const n = this.mustGet(id);
    if (n.up) this.crash(id);
    this.stats.restarts++;
    n.epoch++;
    n.up = true;
    if (!opts.keepStore) n.store = null;
    n.env = new SimEnv(this, n);
    return n;
  }

  /** Split the nodes into groups that cannot reach each other; unlisted nodes form one more group. */
  partition(groups: PeerId[][]): void {
    this.groups.fill(0);
    groups.forEach((members, i) => {
      for (const id of members) this.mustGet(id).group = i + 1;
    });
    this.transport.cutPartitionedLinks(this.nodeList);
  }

  heal(): void {
    this.groups.fill(0);
  }

  /** Run fn after delayMs of virtual time, outside any node (churn, scripted faults). */
  schedule(delayMs: number, fn: () => void): void {
    const q = this.queue;
    const slot = q.alloc(EV_CALL, -1, 0);
    q.setFn(slot, fn);
    q.push(slot, this.nowMs + Math.max(0, delayMs || 0));
  }

  /** @internal Returns the timer's handle (see EventQueue.handle). */
  scheduleTimer(node: number, epoch: number, delayMs: number, fn: () => void): number {
    const q = this.queue;
    const slot = q.alloc(EV_TIMER, node, epoch);
    q.setFn(slot, fn);
    q.push(slot, this.nowMs + (delayMs > 0 ? delayMs : 0));
    return q.handle(slot);
  }

  /** @internal Cancel a pending timer of the given node; stale or foreign handles do nothing. */
  cancelTimer(node: number, handle: number): void {
    const q = this.queue;
    const slot = q.slotOf(handle);
    if (slot >= 0 && q.kind(slot) === EV_TIMER && q.node(slot) === node) q.cancel(slot);
  }

  run(opts: RunOptions = {}): RunResult {
    const stopAt = this.stopTime(opts);
    const maxEvents = opts.maxEvents ?? Infinity;
    const until = opts.until;
    const queue = this.queue;
    let done = 0;
    this.enter();
    try {
      while (done < maxEvents) {
        const slot = queue.popUntil(stopAt);
        if (slot < 0) break;
        if (this.dispatch(slot)) done++;
        if (until !== undefined && until()) return { events: done, nowMs: this.nowMs };
      }
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.running = false;
    }
    if (stopAt !== Infinity && done < maxEvents && this.nowMs < stopAt) this.nowMs = stopAt;
    return { events: done, nowMs: this.nowMs };
  }

  async runAsync(opts: RunOptions = {}): Promise<RunResult> {
    const stopAt = this.stopTime(opts);
    const maxEvents = opts.maxEvents ?? Infinity;
    const until = opts.until;
    let done = 0;
    let drained = true;
    this.enter();
    try {
      for (;;) {
        const next = this.queue.peekTime();
        if (!drained && next > this.nowMs) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          drained = true;
          if (until !== undefined && until()) return { events: done, nowMs: this.nowMs };
          continue;
        }
        if (next === Infinity || next > stopAt || done >= maxEvents) break;
        if (this.dispatch(this.queue.pop())) done++;
        drained = false;
        if (until !== undefined && until()) return { events: done, nowMs: this.nowMs };
      }
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.running = false;
    }
    if (stopAt !== Infinity && done < maxEvents && this.nowMs < stopAt) this.nowMs = stopAt;
    return { events: done, nowMs: this.nowMs };
  }

  /**
   * Run an invariant checker every everyMs of virtual time beside the scenario. It fails the run
   * (with the seed) by throwing, returning false or returning a message. It stops rescheduling
   * itself when nothing else is left to happen, so it never keeps an idle simulation alive.
   */
  addChecker(name: string, fn: () => CheckResult, everyMs = 1_000): void {
    const tick = (): void => {
      let result: CheckResult;
      try {
        result = fn();
      } catch (e) {
        throw new SimFailureError(this.seed, this.nowMs, `checker ${name} failed`, e);
      }
      if (result === false || typeof result === 'string') {
        throw new SimFailureError(this.seed, this.nowMs, `checker ${name} failed${typeof result === 'string' ? `: ${result}` : ''}`);
      }
      if (this.queue.size > 0) this.schedule(everyMs, tick);
    };
    this.schedule(everyMs, tick);
  }

  /**
   * The healed phase of a run: advance until predicate() holds, checking every checkEveryMs, and
   * report how much virtual time convergence took; fail with the seed if it takes over boundMs.
   */
  runUntilConverged(boundMs: number, predicate: () => boolean, opts: { checkEveryMs?: number } = {}): ConvergenceResult {
    const start = this.nowMs;
    const step = opts.checkEveryMs ?? 100;
    for (;;) {
      if (predicate()) return { converged: true, tookMs: this.nowMs - start };
      if (this.nowMs - start >= boundMs) throw this.notConverged(boundMs);
      this.run({ untilMs: Math.min(this.nowMs + step, start + boundMs) });
    }
  }

  async runUntilConvergedAsync(boundMs: number, predicate: () => boolean, opts: { checkEveryMs?: number } = {}): Promise<ConvergenceResult> {
    const start = this.nowMs;
    const step = opts.checkEveryMs ?? 100;
    for (;;) {
      if (predicate()) return { converged: true, tookMs: this.nowMs - start };
      if (this.nowMs - start >= boundMs) throw this.notConverged(boundMs);
      await this.runAsync({ untilMs: Math.min(this.nowMs + step, start + boundMs) });
    }
  }

  private notConverged(boundMs: number): SimFailureError {
    return new SimFailureError(this.seed, this.nowMs, `did not converge within ${boundMs} ms of virtual time`);
  }

  /** Wrap anything thrown during a run so that it names the seed that reproduces it. */
  failure(e: unknown, what = 'an event handler threw'): SimFailureError {
    if (e instanceof SimFailureError) return e;
    return new SimFailureError(this.seed, this.nowMs, what, e);
  }

  /** A fresh MemoryStore, for scenarios that want to hand one over explicitly. */
  static memoryStore(): MemoryStore {
    return new MemoryStore();
  }

  /** A stream for a scenario component, independent of the order components are created in. */
  stream(label: string): SeededRng {
    return derivedRng(this.seed, label);
  }

  /** Run the event in a slot just popped, then free the slot; false if it was stale or cancelled. */
  private dispatch(slot: number): boolean {
    const q = this.queue;
    const kind = q.kind(slot);
    const time = q.poppedTime;
    if (kind === EV_TIMER || kind === EV_CALL) {
      const node = q.node(slot);
      const fn = q.fn(slot);
      // A timer of a crashed or restarted incarnation never fires, as that process is gone.
      const live = kind === EV_CALL || (!q.cancelled(slot) && this.epochs[node] === q.epoch(slot));
      // Free the slot before running fn, which may schedule: a timer's own handle is then stale,
      // so cancelling it from inside its callback does nothing, as a fired timer should.
      q.release(slot);
      if (!live) return false;
      this.nowMs = time;
      this.stats.events++;
      if (kind === EV_TIMER) {
        this.stats.timers++;
        this.trace.fold(time, kind, node, 0);
      } else {
        this.trace.fold(time, kind, 0xffffff, 0);
      }
      fn();
      // Between events no caller holds a link: links given up during this one can be recycled.
      if (q.links.pending) q.links.sweep();
      return true;
    }
    this.nowMs = time;
    this.stats.events++;
    this.trace.fold(time, kind, q.node(slot), kind === EV_DELIVER ? q.frameSize(slot) : 0);
    this.transport.dispatch(slot);
    q.release(slot);
    if (q.links.pending) q.links.sweep();
    return true;
  }

  private stopTime(opts: RunOptions): number {
    if (opts.untilMs !== undefined) return opts.untilMs;
    if (opts.forMs !== undefined) return this.nowMs + opts.forMs;
    return Infinity;
  }

  private enter(): void {
    if (this.running) throw new SimFailureError(this.seed, this.nowMs, 'run() called while the simulator is already running');
    this.running = true;
  }

  private mustGet(id: PeerId): SimNodeState {
    const n = this.nodeState(id);
    if (n === undefined) throw new SimFailureError(this.seed, this.nowMs, `no node ${id}`);
    return n;
  }

  private randomId(): PeerId {
    const words: string[] = [];
    for (;;) {
      for (let i = 0; i < ID_WORDS; i++) words[i] = this.idRng.u32().toString(16).padStart(8, '0');
      // join() makes one flat string; `+=` would keep a tree of four concatenation nodes per id,
      // which costs memory and an indirection on every comparison that reads the characters.
      const s = words.join('');
      if (!this.byId.has(s)) return s as PeerId;
    }
  }
}
