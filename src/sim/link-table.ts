// A node's link table in the simulator: one small array of (peer key, link) pairs in the order
// the links were listed, searched linearly. A peer's key is its node index, so the search compares
// small integers and touches no id string, and listing or unlisting a link allocates nothing (a
// Map per node cost a hash of the id string per lookup and a rehash now and then, a third of the
// ping benchmark's time). A node keeps tens of links at most, so the search is short. Ids that
// name no other node of the simulator (unknown peers, the node itself) get negative keys of their
// own (PeerKeys).
import type { PeerId } from '../core/id.js';
import type { Link } from './network.js';

/** Pairs of a peer key and the link, in the order the links were listed. */
export type LinkTable = Array<number | Link>;

/** A key no table holds. */
export const NO_KEY = -1;

/** Position of the peer key's pair in a link table (an even index), or -1. */
export function position(t: LinkTable | null, key: number): number {
  if (t === null) return -1;
  for (let i = 0; i < t.length; i += 2) if (t[i] === key) return i;
  return -1;
}

export function linkAt(t: LinkTable | null, key: number): Link | undefined {
  const i = position(t, key);
  return i < 0 ? undefined : (t![i + 1] as Link);
}

/** Add the pair at the end of tables[index] (which does not hold the key yet). */
export function appendPair(tables: (LinkTable | null)[], index: number, key: number, link: Link): void {
  const t = tables[index];
  // A table made from its first pair holds two; pushing grows it to 19, room for nine links
  // (an empty array's first push would reserve 16, then 40).
  if (t === null || t === undefined) tables[index] = [key, link];
  else t.push(key, link);
}

/** Take the key's pair out of the table, keeping the order of the others. */
export function removePair(t: LinkTable, key: number): void {
  const i = position(t, key);
  if (i < 0) return;
  const end = t.length - 2;
  for (let k = i; k < end; k++) t[k] = t[k + 2]!;
  t.pop();
  t.pop();
}

/** Keys of peer ids: node indexes, and negative keys for ids that name no other node. */
export class PeerKeys {
  private readonly foreignKeys = new Map<string, number>();
  private readonly foreignIds: string[] = [];

  constructor(
    private readonly indexOf: (id: string) => number,
    private readonly ids: readonly PeerId[],
  ) {}

  /**
   * The key of peer in the table of node `self`: the peer's node index, or for an id that is no
   * other node (unknown, or self) a negative key of its own, made on first use when `make` is set
   * (otherwise NO_KEY, which no table holds).
   */
  keyOf(self: number, peer: PeerId, make: boolean): number {
    const i = this.indexOf(peer);
    if (i >= 0 && i !== self) return i;
    let key = this.foreignKeys.get(peer);
    if (key === undefined) {
      if (!make) return NO_KEY;
      key = -2 - this.foreignIds.length;
      this.foreignKeys.set(peer, key);
      this.foreignIds.push(peer);
    }
    return key;
  }

  /** The id a key stands for. */
  idOf(key: number): PeerId {
    return (key >= 0 ? this.ids[key]! : this.foreignIds[-2 - key]!) as PeerId;
  }
}
