// The simulator's events and their priority queue. An event is a slot: its fields live in
// parallel arrays indexed by the slot number (struct of arrays), and slots are recycled through a
// free list. So scheduling an event allocates nothing, the garbage collector never sees events,
// and the hot loop reads small contiguous arrays instead of chasing a pointer to an object per
// event. Events are ordered by (time, seq): the sequence number breaks ties in scheduling order,
// so equal-time events run in a deterministic order.
import type { PeerId } from '../core/id.js';
import type { Link } from './network.js';

export const EV_TIMER = 1;
export const EV_DELIVER = 2;
export const EV_CONN_REQ = 3;
export const EV_CONN_ACK = 4;
export const EV_CONN_FAIL = 5;
export const EV_LINK_DOWN = 6;
/** A scenario-level callback (churn, checkers, scripted faults): not owned by any node. */
export const EV_CALL = 7;

/** Timer handles are `generation * SLOT_SPAN + slot`: a handle outlives its slot's reuse harmlessly. */
const SLOT_SPAN = 2 ** 24;
/** Generations wrap here so that handles stay exact integers below 2^53. */
const GEN_MASK = 0x0fffffff;
const INITIAL_SLOTS = 1024;

/** A binary min-heap of event slots on (time, seq), plus the slots' fields. */
export class EventQueue {
  // The heap: entry i is (heap[2i] = time, heap[2i+1] = slot), interleaved so that sifting reads
  // one cache line per level. Ties on time, which are rare, are broken by the slot's sequence
  // number, kept per slot rather than in the heap.
  private heap = new Float64Array(0);
  private seqOf = new Float64Array(0);
  private n = 0;
  private nextSeq = 0;

  // Event fields, indexed by slot. Callers must re-read these properties after anything that may
  // allocate a slot (the arrays are replaced when they grow).
  kind = new Uint8Array(0);
  /** Index of the node the event happens at, or -1 for scenario-level events. */
  node = new Int32Array(0);
  /** The node's incarnation when the event was scheduled; a crash makes older events stale. */
  epoch = new Int32Array(0);
  /** Index of the remote node for network events. */
  peer = new Int32Array(0);
  /** For link-down events: index into LINK_DOWN_REASONS. */
  reason = new Uint8Array(0);
  cancelled = new Uint8Array(0);
  private gen = new Int32Array(0);
  /** Id of the remote peer for network events (it may be a peer the simulator does not know). */
  readonly peerId: Array<PeerId | null> = [];
  readonly link: Array<Link | null> = [];
  readonly frame: Array<Uint8Array | null> = [];
  readonly fn: Array<(() => void) | null> = [];

  private free = new Int32Array(0);
  private nFree = 0;
  private capacity = 0;
  /** Time of the event last popped. */
  poppedTime = 0;

  constructor() {
    this.growSlots(INITIAL_SLOTS);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or Infinity when the queue is empty. */
  peekTime(): number {
    return this.n > 0 ? this.heap[0]! : Infinity;
  }

  /** A fresh slot with its numeric fields cleared; fill it in, then push() it. */
  alloc(kind: number, node: number, epoch: number): number {
    if (this.nFree === 0) this.growSlots(this.capacity * 2);
    const slot = this.free[--this.nFree]!;
    this.kind[slot] = kind;
    this.node[slot] = node;
    this.epoch[slot] = epoch;
    return slot;
  }

  /** Give a dispatched or dropped slot back; handles to it become stale. */
  release(slot: number): void {
    this.peerId[slot] = null;
    this.link[slot] = null;
    this.frame[slot] = null;
    this.fn[slot] = null;
    this.cancelled[slot] = 0;
    this.peer[slot] = -1;
    this.reason[slot] = 0;
    this.gen[slot] = (this.gen[slot]! + 1) & GEN_MASK;
    this.free[this.nFree++] = slot;
  }

  handle(slot: number): number {
    return this.gen[slot]! * SLOT_SPAN + slot;
  }

  /** The slot a handle names while that event is still pending or running, else -1. */
  slotOf(handle: number): number {
    if (!(handle >= 0)) return -1;
    const slot = handle % SLOT_SPAN;
    if (slot >= this.capacity || this.gen[slot]! !== (handle - slot) / SLOT_SPAN) return -1;
    return slot;
  }

  push(slot: number, time: number): void {
    const seqOf = this.seqOf;
    const seq = this.nextSeq++;
    seqOf[slot] = seq;
    const heap = this.heap;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = heap[2 * parent]!;
      if (pt < time) break;
      const ps = heap[2 * parent + 1]!;
      if (pt === time && seqOf[ps]! < seq) break;
      heap[2 * i] = pt;
      heap[2 * i + 1] = ps;
      i = parent;
    }
    heap[2 * i] = time;
    heap[2 * i + 1] = slot;
  }

  /** Remove the earliest event and return its slot (its time is in poppedTime); -1 when empty. */
  pop(): number {
    if (this.n === 0) return -1;
    const heap = this.heap;
    const seqOf = this.seqOf;
    const top = heap[1]!;
    this.poppedTime = heap[0]!;
    const n = --this.n;
    if (n === 0) return top;
    const lt = heap[2 * n]!;
    const ls = heap[2 * n + 1]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let ct = heap[2 * l]!;
      const r = l + 1;
      if (r < n) {
        const rt = heap[2 * r]!;
        if (rt < ct || (rt === ct && seqOf[heap[2 * r + 1]!]! < seqOf[heap[2 * l + 1]!]!)) {
          c = r;
          ct = rt;
        }
      }
      if (lt < ct || (lt === ct && seqOf[ls]! < seqOf[heap[2 * c + 1]!]!)) break;
      heap[2 * i] = ct;
      heap[2 * i + 1] = heap[2 * c + 1]!;
      i = c;
    }
    heap[2 * i] = lt;
    heap[2 * i + 1] = ls;
    return top;
  }

  /** Double every array; slots are only ever added, so heap and free list never outgrow them. */
  private growSlots(capacity: number): void {
    const old = this.capacity;
    this.heap = grown(this.heap, new Float64Array(2 * capacity));
    this.seqOf = grown(this.seqOf, new Float64Array(capacity));
    this.kind = grown(this.kind, new Uint8Array(capacity));
    this.node = grown(this.node, new Int32Array(capacity));
    this.epoch = grown(this.epoch, new Int32Array(capacity));
    this.peer = grown(this.peer, new Int32Array(capacity));
    this.reason = grown(this.reason, new Uint8Array(capacity));
    this.cancelled = grown(this.cancelled, new Uint8Array(capacity));
    this.gen = grown(this.gen, new Int32Array(capacity));
    this.free = grown(this.free, new Int32Array(capacity));
    // Pushing (not presizing) keeps the object arrays packed, which V8 reads fastest.
    for (let s = old; s < capacity; s++) {
      this.peerId.push(null);
      this.link.push(null);
      this.frame.push(null);
      this.fn.push(null);
      this.peer[s] = -1;
    }
    // Hand out low slots first: they were touched most recently and are likeliest in cache.
    for (let s = capacity - 1; s >= old; s--) this.free[this.nFree++] = s;
    this.capacity = capacity;
  }
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  if (from.length <= to.length) to.set(from as never);
  return to;
}
