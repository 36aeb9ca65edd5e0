// The linked members of a ring that routing chooses from, kept in arrays: a routed message looks
// at every contact at every hop, and walking a Map's entries (a [key, value] pair each) and
// comparing 160-bit bigints (each a separate heap object) was a tenth of a large simulation's CPU.
// Each id is also kept as its top 52 bits in a Float64Array: two ids compare as their tops do
// whenever the tops differ, which for random ids is always; equal tops fall back to the bigints.
import { inInterval, type Id, type PeerId } from '../core/id.js';

/** The top 52 bits of an id, exact in a double; a non-decreasing function of the id. */
export function idTop(id: Id): number {
  return Number(id >> 108n);
}

/**
 * x in (a, b] (or the other ends, as inInterval), deciding on the tops when they are pairwise
 * distinct: then the ids are distinct and ordered as their tops are, so the answer is the same.
 */
export function inIntervalTop(x: Id, tx: number, a: Id, ta: number, b: Id, tb: number, closedStart: boolean, closedEnd: boolean): boolean {
  if (tx === ta || tx === tb || ta === tb) return inInterval(x, a, b, closedStart, closedEnd);
  return ta < tb ? tx > ta && tx < tb : tx > ta || tx < tb;
}

export class ContactTable {
  /** Contact i is peers[i], with id ids[i] and top tops[i]; removal moves the last one into the hole. */
  readonly peers: PeerId[] = [];
  readonly ids: Id[] = [];
  tops = new Float64Array(8);
  private readonly index = new Map<PeerId, number>();

  get size(): number {
    return this.peers.length;
  }

  has(p: PeerId): boolean {
    return this.index.has(p);
  }

  get(p: PeerId): Id | undefined {
    const i = this.index.get(p);
    return i === undefined ? undefined : this.ids[i];
  }

  set(p: PeerId, id: Id): void {
    const i = this.index.get(p);
    if (i !== undefined) {
      this.ids[i] = id;
      this.tops[i] = idTop(id);
      return;
    }
    const n = this.peers.length;
    if (n >= this.tops.length) {
      const grown = new Float64Array(this.tops.length * 2);
      grown.set(this.tops);
      this.tops = grown;
    }
    this.peers.push(p);
    this.ids.push(id);
    this.tops[n] = idTop(id);
    this.index.set(p, n);
  }

  delete(p: PeerId): boolean {
    const i = this.index.get(p);
    if (i === undefined) return false;
    const last = this.peers.length - 1;
    if (i !== last) {
      const q = this.peers[last]!;
      this.peers[i] = q;
      this.ids[i] = this.ids[last]!;
      this.tops[i] = this.tops[last]!;
      this.index.set(q, i);
    }
    this.peers.pop();
    this.ids.pop();
    this.index.delete(p);
    return true;
  }

  /** A snapshot of the peers: the caller may add or remove contacts while it walks them. */
  keys(): PeerId[] {
    return this.peers.slice();
  }

  /** A snapshot of [peer, id] pairs (as keys()). */
  entries(): Array<[PeerId, Id]> {
    return this.peers.map((p, i) => [p, this.ids[i]!]);
  }
}
