// The simulator's events and their priority queue. An event is a slot: its fields live in two
// fixed-size records in typed and plain arrays indexed by the slot number, and slots are recycled
// through a free list. So scheduling an event allocates nothing and the garbage collector never
// sees events. Events are ordered by (time, seq): the sequence number breaks ties in scheduling order,
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

// Field offsets in a slot's record of ints. One record per slot (32 bytes) rather than one array
// per field: an event slot untouched for a second is one cache miss to read, not eight.
const I_KIND = 0;
const I_NODE = 1;
const I_EPOCH = 2;
const I_PEER = 3;
const I_REASON = 4;
const I_CANCELLED = 5;
const I_GEN = 6;
const INTS = 8;
// Offsets in a slot's record of references (16 bytes with V8's compressed pointers).
const O_PEER_ID = 0;
const O_LINK = 1;
const O_FRAME = 2;
const O_FN = 3;
const OBJS = 4;

type SlotObject = PeerId | Link | Uint8Array | (() => void) | object | null;

/** Event slots and their fields, ordered for dispatch by a calendar queue on (time, seq). */
export class EventQueue {
  private readonly cal = new CalendarQueue();
  private ints = new Int32Array(0);
  private readonly objs: SlotObject[] = [];
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

  /** A fresh slot; fill in its other fields, then push() it. */
  alloc(kind: number, node: number, epoch: number): number {
    if (this.nFree === 0) this.growSlots(this.capacity * 2);
    const slot = this.free[--this.nFree]!;
    const i = slot * INTS;
    this.ints[i + I_KIND] = kind;
    this.ints[i + I_NODE] = node;
    this.ints[i + I_EPOCH] = epoch;
    return slot;
  }

  /** Give a dispatched or dropped slot back; handles to it become stale. */
  release(slot: number): void {
    const i = slot * INTS;
    const o = slot * OBJS;
    const ints = this.ints;
    const objs = this.objs;
    objs[o + O_PEER_ID] = null;
    objs[o + O_LINK] = null;
    objs[o + O_FRAME] = null;
    objs[o + O_FN] = null;
    ints[i + I_CANCELLED] = 0;
    ints[i + I_PEER] = -1;
    ints[i + I_REASON] = 0;
    ints[i + I_GEN] = (ints[i + I_GEN]! + 1) & GEN_MASK;
    this.free[this.nFree++] = slot;
  }

  /** The kind of event (EV_*). */
  kind(slot: number): number {
    return this.ints[slot * INTS + I_KIND]!;
  }

  /** Index of the node the event happens at, or -1 for scenario-level events. */
  node(slot: number): number {
    return this.ints[slot * INTS + I_NODE]!;
  }

  /** The node's incarnation when the event was scheduled; a crash makes older events stale. */
  epoch(slot: number): number {
    return this.ints[slot * INTS + I_EPOCH]!;
  }

  /** Index of the remote node for network events. */
  peer(slot: number): number {
    return this.ints[slot * INTS + I_PEER]!;
  }

  /** For link-down events: index into LINK_DOWN_REASONS. */
  reason(slot: number): number {
    return this.ints[slot * INTS + I_REASON]!;
  }

  setReason(slot: number, reason: number): void {
    this.ints[slot * INTS + I_REASON] = reason;
  }

  cancelled(slot: number): boolean {
    return this.ints[slot * INTS + I_CANCELLED] !== 0;
  }

  cancel(slot: number): void {
    this.ints[slot * INTS + I_CANCELLED] = 1;
  }

  /** Id of the remote peer for network events (it may be a peer the simulator does not know). */
  peerId(slot: number): PeerId {
    return this.objs[slot * OBJS + O_PEER_ID] as PeerId;
  }

  link(slot: number): Link {
    return this.objs[slot * OBJS + O_LINK] as Link;
  }

  frame(slot: number): Uint8Array | null {
    return this.objs[slot * OBJS + O_FRAME] as Uint8Array | null;
  }

  setFrame(slot: number, frame: Uint8Array): void {
    this.objs[slot * OBJS + O_FRAME] = frame;
  }

  /** The value a delivered frame encodes, when the sender passed it (kept in the callback's field). */
  value(slot: number): unknown {
    return this.objs[slot * OBJS + O_FN] ?? undefined;
  }

  setValue(slot: number, value: unknown): void {
    this.objs[slot * OBJS + O_FN] = (value ?? null) as SlotObject;
  }

  fn(slot: number): () => void {
    return this.objs[slot * OBJS + O_FN] as () => void;
  }

  setFn(slot: number, fn: () => void): void {
    this.objs[slot * OBJS + O_FN] = fn;
  }

  /** The fields of a network event. */
  setNet(slot: number, peer: number, peerId: PeerId, link: Link): void {
    this.ints[slot * INTS + I_PEER] = peer;
    this.objs[slot * OBJS + O_PEER_ID] = peerId;
    this.objs[slot * OBJS + O_LINK] = link;
  }

  handle(slot: number): number {
    return this.ints[slot * INTS + I_GEN]! * SLOT_SPAN + slot;
  }

  /** The slot a handle names while that event is still pending or running, else -1. */
  slotOf(handle: number): number {
    if (!(handle >= 0)) return -1;
    const slot = handle % SLOT_SPAN;
    if (slot >= this.capacity || this.ints[slot * INTS + I_GEN]! !== (handle - slot) / SLOT_SPAN) return -1;
    return slot;
  }

  push(slot: number, time: number): void {
    this.cal.push(slot, time);
  }

  /** Remove the earliest event and return its slot (its time is in poppedTime); -1 when empty. */
  pop(): number {
    const slot = this.cal.pop();
    if (slot >= 0) this.poppedTime = this.cal.timeOf(slot);
    return slot;
  }

  /** Double every array; slots are only ever added, so the free list never outgrows them. */
  private growSlots(capacity: number): void {
    const old = this.capacity;
    this.cal.growSlots(capacity);
    this.ints = grown(this.ints, new Int32Array(capacity * INTS));
    this.free = grown(this.free, new Int32Array(capacity));
    // Pushing (not presizing) keeps the object array packed, which V8 reads fastest.
    for (let k = old * OBJS; k < capacity * OBJS; k++) this.objs.push(null);
    for (let s = old; s < capacity; s++) this.ints[s * INTS + I_PEER] = -1;
    // Hand out low slots first: they were touched most recently and are likeliest in cache.
    for (let s = capacity - 1; s >= old; s--) this.free[this.nFree++] = s;
    this.capacity = capacity;
  }
}
