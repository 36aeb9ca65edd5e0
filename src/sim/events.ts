// The simulator's events and their priority queue. An event is a slot: its fields live in
// parallel arrays indexed by the slot number (struct of arrays), and slots are recycled through a
// free list. So scheduling an event allocates nothing, the garbage collector never sees events,
// and the hot loop reads small contiguous arrays instead of chasing a pointer to an object per
// event. Events are ordered by (time, seq): the sequence number breaks ties in scheduling order,
// so equal-time events run in a deterministic order.
import type { PeerId } from '../core/id.js';
import { CalendarQueue, grown } from './calendar.js';
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

/** Event slots and their fields, ordered for dispatch by a calendar queue on (time, seq). */
export class EventQueue {
  private readonly cal = new CalendarQueue();

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
    return this.cal.size;
  }

  /** Time of the earliest event, or Infinity when the queue is empty. */
  peekTime(): number {
    return this.cal.peekTime();
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
    this.cal.push(slot, time);
  }

  /** Remove the earliest event and return its slot (its time is in poppedTime); -1 when empty. */
  pop(): number {
    const slot = this.cal.pop();
    if (slot >= 0) this.poppedTime = this.cal.timeOf[slot]!;
    return slot;
  }

  /** Double every array; slots are only ever added, so the free list never outgrows them. */
  private growSlots(capacity: number): void {
    const old = this.capacity;
    this.cal.growSlots(capacity);
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
