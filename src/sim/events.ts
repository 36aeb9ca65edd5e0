// The simulator's event record and its priority queue. Every event is one preallocated-shape
// record (no per-event closure for network events) ordered by (time, seq): the sequence number
// breaks ties in scheduling order, so equal-time events run in a deterministic order.
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

export class SimEvent {
  time = 0;
  seq = 0;
  kind = 0;
  /** Index of the node the event happens at, or -1 for scenario-level events. */
  node = -1;
  /** The node's incarnation when the event was scheduled; a crash makes older events stale. */
  epoch = 0;
  /** Index of the remote node for network events. */
  peer = -1;
  /** For link-down events: index into LINK_DOWN_REASONS. */
  reason = 0;
  /** Id of the remote peer for network events (it may be a peer the simulator does not know). */
  peerId: PeerId | null = null;
  cancelled = false;
  link: Link | null = null;
  frame: Uint8Array | null = null;
  fn: (() => void) | null = null;
}

/**
 * A binary min-heap of events on (time, seq). Keys live in typed arrays beside the event array, so
 * sifting compares contiguous numbers instead of chasing a pointer per comparison: with hundreds
 * of thousands of pending events that halves the cache misses of the hot loop.
 */
export class EventQueue {
  private evs: Array<SimEvent | undefined> = [];
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  peek(): SimEvent | undefined {
    return this.n > 0 ? this.evs[0] : undefined;
  }

  /** Time of the earliest event, or Infinity when the queue is empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0]! : Infinity;
  }

  push(ev: SimEvent): void {
    const seq = this.nextSeq++;
    ev.seq = seq;
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const evs = this.evs;
    const time = ev.time;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[parent]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      evs[i] = evs[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    evs[i] = ev;
  }

  pop(): SimEvent | undefined {
    if (this.n === 0) return undefined;
    const evs = this.evs;
    const top = evs[0];
    const n = --this.n;
    const last = evs[n]!;
    evs[n] = undefined;
    if (n === 0) return top;
    const times = this.times;
    const seqs = this.seqs;
    const lt = times[n]!;
    const ls = seqs[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let ct = times[l]!;
      let cs = seqs[l]!;
      const r = l + 1;
      if (r < n) {
        const rt = times[r]!;
        if (rt < ct || (rt === ct && seqs[r]! < cs)) {
          c = r;
          ct = rt;
          cs = seqs[r]!;
        }
      }
      if (lt < ct || (lt === ct && ls < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      evs[i] = evs[c];
      i = c;
    }
    times[i] = lt;
    seqs[i] = ls;
    evs[i] = last;
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}
