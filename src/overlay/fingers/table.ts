// The finger table and its geometry. Slot k holds at most one peer, any peer of
// [self + 2^k, self + 2^(k+1)); intervals are disjoint, so a peer fills at most one slot.
import { distance, type Id, type PeerId } from '../../core/id.js';
import { FINGER_SLOTS } from '../constants.js';
import type { RingState } from '../state.js';

/** The slot whose interval holds a peer at distance d from us: floor(log2 d). */
function slotAt(d: bigint): number {
  return d.toString(2).length - 1;
}

/**
 * The lowest finger slot we must fill: the one whose interval holds our last known successor
 * (its finger saves the walk along the unlinked part of the list). A list shorter than r means
 * the ring is that small and every peer is a successor: no fingers at all.
 */
export function firstUsefulSlot(selfId: Id, succIds: readonly Id[], successorListSize: number): number {
  const last = succIds[succIds.length - 1];
  if (last === undefined || succIds.length < successorListSize) return FINGER_SLOTS;
  return slotAt(distance(selfId, last));
}

export class FingerTable {
  /** Slot k -> its finger. */
  readonly slots = new Map<number, PeerId>();
  /** The reverse of `slots`. */
  private readonly slotOfPeer = new Map<PeerId, number>();

  constructor(private readonly state: Pick<RingState, 'selfId' | 'id' | 'succs' | 'succIds' | 'successorListSize'>) {}

  /** The slot whose interval holds p (whether or not p fills it). */
  slotOf(p: PeerId): number {
    return slotAt(distance(this.state.selfId, this.state.id(p)));
  }

  /** The slot p fills, or -1. */
  heldBy(p: PeerId): number {
    return this.slotOfPeer.get(p) ?? -1;
  }

  set(k: number, p: PeerId): void {
    this.delete(k);
    this.slots.set(k, p);
    this.slotOfPeer.set(p, k);
  }

  /** Empty slot k; returns the peer that filled it. */
  delete(k: number): PeerId | undefined {
    const p = this.slots.get(k);
    if (p === undefined) return undefined;
    this.slots.delete(k);
    this.slotOfPeer.delete(p);
    return p;
  }

  /** See firstUsefulSlot. */
  firstUseful(): number {
    const s = this.state;
    return firstUsefulSlot(s.selfId, s.succIds, s.successorListSize);
  }

  /**
   * The lowest finger slot worth filling when there is room: the one just past our last linked
   * successor. Below firstUseful() these fill keys of our successor list in one hop.
   */
  firstOptional(linkedSuccessors: number): number {
    const succs = this.state.succs;
    if (succs.length <= linkedSuccessors) return FINGER_SLOTS;
    return this.slotOf(succs[linkedSuccessors - 1]!) + 1;
  }
}
