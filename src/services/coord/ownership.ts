// Who may act as a resource's owner, judged from one peer's own view of the ring. Chord gives no
// peer the whole picture: after a partition heals, a peer can keep a stale predecessor or a
// successor list that skips peers for a while, and believe it owns keys that another peer owns.
// Every grant therefore needs the claim "S owns (P, S], and k is in it" to survive three views:
// S's own and those of the replicas that must ack it. Pure functions.
import { idFromHex, inInterval, type Id, type PeerId } from '../../core/id.js';

/** What a peer knows of its neighbourhood: its predecessor and its successor list, nearest first. */
export interface NeighbourView {
  self: PeerId;
  pred: PeerId | null;
  succs: readonly PeerId[];
}

/** The peers a view knows, itself included. */
function known(view: NeighbourView, extra: readonly PeerId[] = []): PeerId[] {
  return [view.self, ...(view.pred ? [view.pred] : []), ...view.succs, ...extra];
}

/** Does any of these peers sit strictly inside (start, end)? Such a peer owns part of that range. */
export function anyInside(peers: readonly PeerId[], start: PeerId, end: PeerId): boolean {
  const a = idFromHex(start);
  const b = idFromHex(end);
  if (a === b) return false;
  return peers.some((p) => p !== start && p !== end && inInterval(idFromHex(p), a, b));
}

/**
 * Is this view of our own neighbourhood coherent? Successors must come in clockwise order, and none
 * may sit between our predecessor and us. A list that wraps past our predecessor, or one merged
 * from a partition buddy's list, breaks this: our predecessor is stale and our range is a guess.
 */
export function coherent(view: NeighbourView): boolean {
  if (view.pred === null) return false;
  const self = idFromHex(view.self);
  let prev = self;
  for (const s of view.succs) {
    const id = idFromHex(s);
    // Each successor lies after the previous one, going clockwise from us.
    if (prev !== self && !inInterval(id, prev, self)) return false;
    prev = id;
  }
  return !anyInside(view.succs, view.pred, view.self);
}

/** May this peer grant for key, given that Chord routing (its predecessor) says it owns key? */
export function selfOwns(view: NeighbourView, ringOwns: boolean): boolean {
  return ringOwns && coherent(view);
}

/**
 * Will this peer ack a copy of key's structure sent by `sender`, who claims the range (claimPred,
 * sender] and lists `targets` as its replicas? Only if, in this peer's own view, it is where the
 * sender says (the sender's i-th replica has the (i-1)-th, or the sender, as predecessor), the key is
 * in the claimed range, and no peer this one knows (the sender's targets included) sits inside the
 * claimed range. An isolated or stale owner then finds no replicas.
 */
export function vouches(view: NeighbourView, key: Id, sender: PeerId, claimPred: PeerId, targets: readonly PeerId[]): boolean {
  const i = targets.indexOf(view.self);
  if (i < 0) return false;
  const expectedPred = i === 0 ? sender : targets[i - 1]!;
  if (view.pred !== expectedPred) return false;
  if (!inInterval(key, idFromHex(claimPred), idFromHex(sender), false, true)) return false;
  return !anyInside(known(view, targets), claimPred, sender);
}
