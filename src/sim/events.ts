// The simulator's events and their priority queue. An event is a slot: its fields live in
// fixed-size records in a typed and a plain array indexed by the slot number (the calendar's
// record, and one of references and small integers), and slots are recycled through a free
// list. So scheduling an event allocates nothing and the garbage collector never
// sees events. Events are ordered by (time, seq): the sequence number breaks ties in scheduling order,
// so equal-time events run in a deterministic order.
import type { PeerId } from '../core/id.js';
import { CalendarQueue, grown, REC_WORDS, W_FREE } from './calendar.js';
import { LinkPool, type Link } from './network.js';

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
/** Generations wrap here (27 bits, stored above the kind and the cancelled bit). */
const GEN_MASK = 0x07ffffff;
const INITIAL_SLOTS = 1024;

// The fields read for every event live in the calendar's 32-byte record of the slot, beside its
// time and sequence number (calendar.ts): its node, the node's epoch when it was scheduled, and
// one tag word holding the kind (3 bits), the cancelled bit and the slot's generation. So sorting
// and dispatching an event reads one record; an event untouched for a second costs one cache
// miss there, not one per field array.
const W_EPOCH = W_FREE;
const W_TAG = W_FREE + 1;
const W_NODE = W_FREE + 2;
const KIND_MASK = 7;
const CANCELLED = 8;
const GEN_SHIFT = 4;
// Offsets in a slot's record of references (48 bytes: Node's V8 does not compress pointers). The
// last two hold small integers, which V8 stores in place: the index of the node the peer id names,
// and the link-down reason or the delivered frame's size (kept here so the trace digest need not
// load the frame). Beside the references, rather than in an array of their own, they cost a
// network event no extra cache line.
const O_PEER_ID = 0;
const O_LINK = 1;
const O_FRAME = 2;
const O_FN = 3;
const O_PEER = 4;
const O_AUX = 5;
const OBJS = 6;
/** A slab frame's place in its O_AUX field: the offset in the low 16 bits, the size above. */
const SLAB_SIZE_SHIFT = 16;
const SLAB_OFFSET_MASK = 0xffff;
/** The largest frame cut from a slab (the transport's limit): its packed place stays a small integer. */
export const SLAB_MAX_FRAME_BYTES = 4096;

type SlotObject = PeerId | Link | Uint8Array | (() => void) | object | number | null;

/** Event slots and their fields, ordered for dispatch by a calendar queue on (time, seq). */
export class EventQueue {
  private readonly cal = new CalendarQueue();
  /** Links are recycled once no event refers to them (counted here) and no table lists them. */
  readonly links = new LinkPool();
  /** The calendar's records as int32 words (replaced when the slots grow). */
  private words = new Int32Array(0);
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

  /**
   * A fresh slot; fill in its other fields, then push() it. The slot's generation moves on here,
   * so handles to the slot's previous event no longer name it.
   */
  alloc(kind: number, node: number, epoch: number): number {
    if (this.nFree === 0) this.growSlots(this.capacity * 2);
    const slot = this.free[--this.nFree]!;
    const w = slot * REC_WORDS;
    const words = this.words;
    const gen = ((words[w + W_TAG]! >>> GEN_SHIFT) + 1) & GEN_MASK;
    words[w + W_TAG] = (gen << GEN_SHIFT) | kind;
    words[w + W_NODE] = node;
    words[w + W_EPOCH] = epoch;
    return slot;
  }

  /**
   * Give a dispatched or dropped slot back. Only its references are cleared (for the garbage
   * collector); alloc() rewrites its tag, node and epoch, and the peer and reason fields are
   * written before they are read by the events that use them.
   */
  release(slot: number): void {
    const o = slot * OBJS;
    const objs = this.objs;
    const link = objs[o + O_LINK] as Link | null;
    if (link !== null) {
      link.refs--;
      this.links.release(link);
    }
    objs[o + O_PEER_ID] = null;
    objs[o + O_LINK] = null;
    objs[o + O_FRAME] = null;
    objs[o + O_FN] = null;
    this.free[this.nFree++] = slot;
  }

  /** The kind of event (EV_*). */
  kind(slot: number): number {
    return this.words[slot * REC_WORDS + W_TAG]! & KIND_MASK;
  }

  /** Index of the node the event happens at, or -1 for scenario-level events. */
  node(slot: number): number {
    return this.words[slot * REC_WORDS + W_NODE]!;
  }

  /** The node's incarnation when the event was scheduled; a crash makes older events stale. */
  epoch(slot: number): number {
    return this.words[slot * REC_WORDS + W_EPOCH]!;
  }

  /**
   * Index of the node the event's peer id names (set by setNet); negative for an id that names
   * no other node.
   */
  peer(slot: number): number {
    return this.objs[slot * OBJS + O_PEER] as number;
  }

  /** For link-down events: index into LINK_DOWN_REASONS (set by setReason). */
  reason(slot: number): number {
    return this.objs[slot * OBJS + O_AUX] as number;
  }

  setReason(slot: number, reason: number): void {
    this.objs[slot * OBJS + O_AUX] = reason;
  }

  cancelled(slot: number): boolean {
    return (this.words[slot * REC_WORDS + W_TAG]! & CANCELLED) !== 0;
  }

  /**
   * Mark a timer cancelled. Its record stays in the calendar until its time comes, but its
   * callback is let go now: a request's timeout closure (and all it holds) would otherwise live
   * on for the whole timeout after the reply came, long enough to be promoted to the old heap.
   */
  cancel(slot: number): void {
    const w = slot * REC_WORDS + W_TAG;
    this.words[w] = this.words[w]! | CANCELLED;
    this.objs[slot * OBJS + O_FN] = null;
  }

  /** Id of the remote peer for network events (it may be a peer the simulator does not know). */
  peerId(slot: number): PeerId {
    return this.objs[slot * OBJS + O_PEER_ID] as PeerId;
  }

  link(slot: number): Link {
    return this.objs[slot * OBJS + O_LINK] as Link;
  }

  /**
   * The delivered frame. A frame cut from a slab is kept as the slab and its place (see
   * setFrame), and its own view is made only now: a view made at send time would live as long as
   * the frame is in flight, which in a large simulation is long enough to be promoted to the old
   * heap, one object per frame.
   */
  frame(slot: number): Uint8Array | null {
    const buf = this.objs[slot * OBJS + O_FRAME] as Uint8Array | null;
    const aux = this.objs[slot * OBJS + O_AUX] as number;
    if (buf === null || aux < 0) return buf;
    const at = aux & SLAB_OFFSET_MASK;
    return buf.subarray(at, at + (aux >>> SLAB_SIZE_SHIFT));
  }

  /**
   * A frame of `size` bytes at `offset` in `buf`. A frame of at most SLAB_MAX_FRAME_BYTES may sit
   * anywhere in the first 64 KB of `buf` (a slab); a larger one is the whole of `buf`.
   */
  setFrame(slot: number, buf: Uint8Array, offset: number, size: number): void {
    this.objs[slot * OBJS + O_FRAME] = buf;
    // A small integer either way (stored in place): size and offset packed, or minus the size.
    this.objs[slot * OBJS + O_AUX] = size <= SLAB_MAX_FRAME_BYTES ? size * 2 ** SLAB_SIZE_SHIFT + offset : -size;
  }

  /** For deliveries: the size of the frame (set by setFrame). */
  frameSize(slot: number): number {
    const aux = this.objs[slot * OBJS + O_AUX] as number;
    return aux < 0 ? -aux : aux >>> SLAB_SIZE_SHIFT;
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
    this.objs[slot * OBJS + O_PEER] = peer;
    this.objs[slot * OBJS + O_PEER_ID] = peerId;
    this.objs[slot * OBJS + O_LINK] = link;
    link.refs++;
  }

  handle(slot: number): number {
    return (this.words[slot * REC_WORDS + W_TAG]! >>> GEN_SHIFT) * SLOT_SPAN + slot;
  }

  /**
   * The slot a handle names until the slot is allocated again, else -1. A handle of an event
   * already dispatched may still name its free slot: cancelling it marks nothing that is read
   * before alloc() rewrites the tag.
   */
  slotOf(handle: number): number {
    if (!(handle >= 0)) return -1;
    const slot = handle % SLOT_SPAN;
    if (slot >= this.capacity || this.words[slot * REC_WORDS + W_TAG]! >>> GEN_SHIFT !== (handle - slot) / SLOT_SPAN) return -1;
    return slot;
  }

  push(slot: number, time: number): void {
    this.cal.push(slot, time);
  }

  /**
   * Remove the earliest event if it is due at or before limit and return its slot (its time is in
   * poppedTime); -1 when there is none.
   */
  popUntil(limit: number): number {
    const slot = this.cal.popUntil(limit);
    if (slot >= 0) this.poppedTime = this.cal.timeOf(slot);
    return slot;
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
    this.words = this.cal.words;
    this.free = grown(this.free, new Int32Array(capacity));
    // Pushing (not presizing) keeps the object array packed, which V8 reads fastest.
    for (let s = old; s < capacity; s++) this.objs.push(null, null, null, null, -1, 0);
    // Hand out low slots first: they were touched most recently and are likeliest in cache.
    for (let s = capacity - 1; s >= old; s--) this.free[this.nFree++] = s;
    this.capacity = capacity;
  }
}
