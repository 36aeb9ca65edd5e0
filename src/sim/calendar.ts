// The simulator's priority queue: a calendar queue (a ring of time buckets) over event slots,
// ordered exactly by (time, seq) like a heap, but cheaper for the simulator's workload, where
// almost every event falls due within a couple of seconds. A push appends the slot to its bucket's
// list in O(1); the bucket due next is sorted once, when time reaches it, and popped in order.
// A binary heap pops in O(log n) with an unpredictable branch per level, which with tens of
// thousands of pending events was a tenth of the run time. Events beyond the ring's horizon wait
// in a small binary heap and move into the ring as time approaches them.

/** Buckets per millisecond: a power of two, so bucket numbers are exact for any float time. */
const BUCKETS_PER_MS = 4;
/** Ring size (a power of two): with 4 buckets per ms the ring spans 2,048 ms. */
const RING = 8192;
const RING_MASK = RING - 1;
const NONE = -1;
// A slot's record is 32 bytes: two float64 (time, seq) and four int32, of which the calendar uses
// the first (the next slot in its bucket's list) and the event queue the other three (see
// events.ts), so that the fields read when an event is sorted and dispatched share one record.
const R_TIME = 0;
const R_SEQ = 1;
/** Float64 elements per record. */
const REC = 4;
/** Int32 elements per record, and the offset of `next` among them. */
export const REC_WORDS = 8;
const W_NEXT = 4;
/** The first int32 of a record that the calendar leaves to its user. */
export const W_FREE = 5;

function bucketOf(timeMs: number): number {
  return Math.floor(timeMs * BUCKETS_PER_MS);
}

export class CalendarQueue {
  /**
   * Per slot, in one 32-byte record: its time, its sequence number (the tie-break) and the next
   * slot in its bucket's list; one record rather than three arrays costs one cache miss, not three.
   */
  private rec = new Float64Array(0);
  /** The same records as int32 words. */
  words = new Int32Array(0);
  /** First slot of each bucket's list, or NONE. */
  private readonly head = new Int32Array(RING).fill(NONE);
  /** Slots in bucket lists (not counting the run or the overflow heap). */
  private inRing = 0;
  /** The absolute bucket number now being drained; every bucket-listed event is at or after it. */
  private cur = 0;
  /** The current bucket's events, sorted by (time, seq): run[runHead..runLen). */
  private run = new Int32Array(256);
  private runHead = 0;
  private runLen = 0;
  private readonly far = new OverflowHeap();
  private nextSeq = 0;
  size = 0;

  /** Make room for slots below capacity. */
  growSlots(capacity: number): void {
    this.rec = grown(this.rec, new Float64Array(capacity * REC));
    this.words = new Int32Array(this.rec.buffer);
  }

  timeOf(slot: number): number {
    return this.rec[slot * REC + R_TIME]!;
  }

  push(slot: number, time: number): void {
    this.rec[slot * REC + R_TIME] = time;
    this.rec[slot * REC + R_SEQ] = this.nextSeq++;
    this.size++;
    this.place(slot, time);
  }

  /** Time of the earliest event, or Infinity when the queue is empty. */
  peekTime(): number {
    if (this.runHead === this.runLen && !this.advance()) return Infinity;
    return this.timeOf(this.run[this.runHead]!);
  }

  /**
   * Remove the earliest event and return its slot if it is due at or before limit; otherwise
   * (and when the queue is empty) -1, leaving the queue as it was. peekTime() and pop() in one.
   */
  popUntil(limit: number): number {
    if (this.runHead === this.runLen && !this.advance()) return NONE;
    const slot = this.run[this.runHead]!;
    if (this.rec[slot * REC + R_TIME]! > limit) return NONE;
    this.runHead++;
    this.size--;
    return slot;
  }

  /** Remove the earliest event and return its slot, or -1 when the queue is empty. */
  pop(): number {
    if (this.runHead === this.runLen && !this.advance()) return NONE;
    this.size--;
    return this.run[this.runHead++]!;
  }

  private place(slot: number, time: number): void {
    const b = bucketOf(time);
    if (b === this.cur) return this.insertIntoRun(slot, time);
    if (b < this.cur) {
      // peekTime() moved ahead to the next event, then the run stopped short of it and the
      // scenario scheduled something earlier: step back to that bucket.
      this.rewind(b);
      return this.insertIntoRun(slot, time);
    }
    if (b - this.cur >= RING) return this.far.push(slot, time, this.rec[slot * REC + R_SEQ]!);
    const i = b & RING_MASK;
    this.words[slot * REC_WORDS + W_NEXT] = this.head[i]!;
    this.head[i] = slot;
    this.inRing++;
  }

  /** Insert into the sorted run; a new slot has the highest seq, so it goes after equal times. */
  private insertIntoRun(slot: number, time: number): void {
    if (this.runLen === this.run.length) this.growRun();
    const run = this.run;
    const rec = this.rec;
    let p = this.runLen++;
    while (p > this.runHead && rec[run[p - 1]! * REC + R_TIME]! > time) {
      run[p] = run[p - 1]!;
      p--;
    }
    run[p] = slot;
  }

  /** Move to the next bucket holding events and sort it into the run; false when none is left. */
  private advance(): boolean {
    this.runHead = 0;
    this.runLen = 0;
    for (;;) {
      if (this.inRing === 0) {
        // Nothing within the horizon: jump straight to the earliest far event.
        if (this.far.size === 0) return false;
        const t = this.far.peekTime();
        if (!Number.isFinite(t)) return false;
        this.cur = bucketOf(t);
      } else {
        this.cur++;
      }
      while (this.far.size > 0 && bucketOf(this.far.peekTime()) - this.cur < RING) {
        const slot = this.far.pop();
        this.place(slot, this.timeOf(slot));
      }
      if (this.head[this.cur & RING_MASK]! !== NONE) this.collect();
      if (this.runLen > 0) return true;
    }
  }

  /** Take the current bucket's events out of its list (events of a later lap stay) and sort them. */
  private collect(): void {
    const i = this.cur & RING_MASK;
    const rec = this.rec;
    const words = this.words;
    let keep = NONE;
    let s = this.head[i]!;
    while (s !== NONE) {
      const after = words[s * REC_WORDS + W_NEXT]!;
      if (bucketOf(rec[s * REC + R_TIME]!) === this.cur) {
        if (this.runLen === this.run.length) this.growRun();
        this.run[this.runLen++] = s;
        this.inRing--;
      } else {
        words[s * REC_WORDS + W_NEXT] = keep;
        keep = s;
      }
      s = after;
    }
    this.head[i] = keep;
    this.sortRun();
  }

  /** Insertion sort on (time, seq): buckets hold a few dozen events, often nearly in order. */
  private sortRun(): void {
    const run = this.run;
    const rec = this.rec;
    for (let k = 1; k < this.runLen; k++) {
      const s = run[k]!;
      const t = rec[s * REC + R_TIME]!;
      const q = rec[s * REC + R_SEQ]!;
      let p = k;
      while (p > 0) {
        const o = run[p - 1]!;
        const ot = rec[o * REC + R_TIME]!;
        if (ot < t || (ot === t && rec[o * REC + R_SEQ]! < q)) break;
        run[p] = o;
        p--;
      }
      run[p] = s;
    }
  }

  /** Put the rest of the run back in its bucket and make bucket b the current one. */
  private rewind(b: number): void {
    const i = this.cur & RING_MASK;
    for (let k = this.runHead; k < this.runLen; k++) {
      const s = this.run[k]!;
      this.words[s * REC_WORDS + W_NEXT] = this.head[i]!;
      this.head[i] = s;
      this.inRing++;
    }
    this.runHead = 0;
    this.runLen = 0;
    this.cur = b;
    // Events listed in ring slot b belong to later laps (all events are at or after the old
    // current bucket), so the new current bucket starts empty, as the run does.
  }

  private growRun(): void {
    const run = new Int32Array(this.run.length * 2);
    run.set(this.run);
    this.run = run;
  }
}

/** A binary min-heap of (time, seq, slot) for events beyond the calendar's horizon. */
class OverflowHeap {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private slots = new Int32Array(64);
  size = 0;

  peekTime(): number {
    return this.times[0]!;
  }

  push(slot: number, time: number, seq: number): void {
    if (this.size === this.times.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.times[p]! < time || (this.times[p] === time && this.seqs[p]! < seq)) break;
      this.move(p, i);
      i = p;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.slots[i] = slot;
  }

  pop(): number {
    const top = this.slots[0]!;
    const n = --this.size;
    const lt = this.times[n]!;
    const ls = this.seqs[n]!;
    const lslot = this.slots[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(r, l) ? r : l;
      if (lt < this.times[c]! || (lt === this.times[c] && ls < this.seqs[c]!)) break;
      this.move(c, i);
      i = c;
    }
    this.times[i] = lt;
    this.seqs[i] = ls;
    this.slots[i] = lslot;
    return top;
  }

  private less(a: number, b: number): boolean {
    return this.times[a]! < this.times[b]! || (this.times[a] === this.times[b] && this.seqs[a]! < this.seqs[b]!);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.slots[to] = this.slots[from]!;
  }

  private grow(): void {
    this.times = grown(this.times, new Float64Array(this.times.length * 2));
    this.seqs = grown(this.seqs, new Float64Array(this.seqs.length * 2));
    this.slots = grown(this.slots, new Int32Array(this.slots.length * 2));
  }
}

export function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  if (from.length <= to.length) to.set(from as never);
  return to;
}
