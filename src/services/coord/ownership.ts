// Who may act as a resource's owner, judged from one peer's own view of the ring. Chord gives no
// peer the whole picture: after a partition heals, a peer can keep a stale predecessor for a while
// and believe it owns keys that a closer peer owns. Every grant therefore needs the claim "S owns
// k" to survive three views: S's own and those of the replicas that must ack it. Pure functions.
import { idFromHex, inInterval, type Id, type PeerId } from '../../core/id.js';

/** What a peer knows of its neighbourhood: its predecessor and its successor list, nearest first. */
export interface NeighbourView {
  self: PeerId;
  pred: PeerId | null;
  succs: readonly PeerId[];
}

/** Does this view know a live peer strictly between key (inclusive) and claimant (exclusive)? Such a peer owns key before claimant does. */
export function knowsCloserPeer(view: NeighbourView, key: Id, claimant: PeerId): boolean {
  const c = idFromHex(claimant);
  for (const p of [view.self, ...(view.pred ? [view.pred] : []), ...view.succs]) {
    if (p === claimant) continue;
    if (inInterval(idFromHex(p), key, c, true, false)) return true;
  }
  return false;
}

/**
 * May this peer grant for key, given that Chord routing (its predecessor) says it owns key? Not if
 * one of its successors sits between key and itself: a successor list that wrapped around to a
 * peer before us means our predecessor is stale (we are back from a partition, say).
 */
export function selfOwns(view: NeighbourView, key: Id, ringOwns: boolean): boolean {
  return ringOwns && !knowsCloserPeer({ self: view.self, pred: null, succs: view.succs }, key, view.self);
}

/**
 * Will this peer ack a copy of key's structure sent by `sender`, whose replica list is `targets`?
 * Only if, in this peer's own view, it is where the sender says: the sender's i-th successor has
 * the sender's (i-1)-th successor (or the sender itself) as predecessor; and this peer knows no
 * peer that owns key before the sender does. An isolated or stale owner then finds no replicas.
 */
export function vouches(view: NeighbourView, key: Id, sender: PeerId, targets: readonly PeerId[]): boolean {
  const i = targets.indexOf(view.self);
  if (i < 0) return false;
  const expectedPred = i === 0 ? sender : targets[i - 1]!;
  if (view.pred !== expectedPred) return false;
  return !knowsCloserPeer(view, key, sender);
}
