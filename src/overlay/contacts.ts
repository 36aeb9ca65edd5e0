// The linked members of a ring that routing chooses from, kept sorted by clockwise distance from
// us, so that the closest one preceding a key is found by a binary search over a small array of
// numbers instead of by comparing every contact's 160-bit id. In a simulation of 100,000 peers
// each id is a bigint somewhere in a heap of gigabytes: comparing 30 of them on every hop was 30
// cache misses, the largest single cost of a routed frame (see docs/overlay.md).
import { distance, type Id, type PeerId } from '../core/id.js';

/** The top 52 bits of a 160-bit distance, exactly representable as a double. */
function top(d: bigint): number {
  return Number(d >> 108n);
}

/** What routing reads of the contacts. */
export interface ContactView {
  readonly size: number;
  has(peer: PeerId): boolean;
  get(peer: PeerId): Id | undefined;
  keys(): IterableIterator<PeerId>;
  [Symbol.iterator](): IterableIterator<[PeerId, Id]>;
  /** The contact strictly after us and at or before key that is closest to key, never `exclude`. */
  closestPreceding(key: Id, exclude: PeerId | null): PeerId | null;
  /** The contact at or after key and before us that is closest to key, never `exclude`. */
  closestFollowing(key: Id, exclude: PeerId | null): PeerId | null;
}

export class Contacts implements ContactView {
  private readonly ids = new Map<PeerId, Id>();
  /** Sorted by exact distance from us, ascending; tops[i] is the top of dists[i]. */
  private readonly peers: PeerId[] = [];
  private readonly dists: bigint[] = [];
  private readonly tops: number[] = [];

  constructor(private readonly selfId: Id) {}

  get size(): number {
    return this.ids.size;
  }

  has(peer: PeerId): boolean {
    return this.ids.has(peer);
  }

  get(peer: PeerId): Id | undefined {
    return this.ids.get(peer);
  }

  keys(): IterableIterator<PeerId> {
    return this.ids.keys();
  }

  [Symbol.iterator](): IterableIterator<[PeerId, Id]> {
    return this.ids[Symbol.iterator]();
  }

  /** Add a contact (a peer already present keeps its place: ids never change). */
  set(peer: PeerId, id: Id): this {
    if (this.ids.has(peer)) return this;
    this.ids.set(peer, id);
    const d = distance(this.selfId, id);
    let i = this.dists.length;
    while (i > 0 && this.dists[i - 1]! > d) i--;
    this.peers.splice(i, 0, peer);
    this.dists.splice(i, 0, d);
    this.tops.splice(i, 0, top(d));
    return this;
  }

  delete(peer: PeerId): boolean {
    if (!this.ids.delete(peer)) return false;
    const i = this.peers.indexOf(peer);
    this.peers.splice(i, 1);
    this.dists.splice(i, 1);
    this.tops.splice(i, 1);
    return true;
  }

  closestPreceding(key: Id, exclude: PeerId | null): PeerId | null {
    return this.closest(key, exclude, true);
  }

  closestFollowing(key: Id, exclude: PeerId | null): PeerId | null {
    return this.closest(key, exclude, false);
  }

  /**
   * The contact nearest key on one side of it, never `exclude`: before it (strictly after us, at
   * or before key) or after it (at or after key, before us). The scan starts where the key's top
   * falls and walks away from the key: every contact past the first match is farther from it.
   * A smaller (before) or larger (after) top settles the side; an equal top needs the exact
   * comparison.
   */
  private closest(key: Id, exclude: PeerId | null, before: boolean): PeerId | null {
    const dk = distance(this.selfId, key);
    if (dk === 0n) return null;
    const tk = top(dk);
    const { peers, dists, tops } = this;
    const step = before ? -1 : 1;
    for (let j = before ? this.firstAbove(tk, true) - 1 : this.firstAbove(tk, false); j >= 0 && j < tops.length; j += step) {
      const p = peers[j]!;
      if (p === exclude) continue;
      const t = tops[j]!;
      if (before ? t < tk || dists[j]! <= dk : t > tk || dists[j]! >= dk) return p;
    }
    return null;
  }

  /** The index of the first contact whose top exceeds tk (orEqual false: is at least tk). */
  private firstAbove(tk: number, orEqual: boolean): number {
    const tops = this.tops;
    let lo = 0;
    let hi = tops.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tops[mid]! < tk || (orEqual && tops[mid] === tk)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
