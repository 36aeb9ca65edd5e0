// Greedy recursive routing, as pure functions over a peer's view of the ring. A key is owned by
// its successor; a peer delivers a key it owns and otherwise forwards to the owner when it knows
// it (successor list) or to the linked ring member that most closely precedes the key.
import { distance, inInterval, type Id, type PeerId } from '../core/id.js';
import type { ContactView } from './contacts.js';

export interface RouteView {
  readonly selfId: Id;
  /** The predecessor, if known and linked, with its id. */
  readonly pred: PeerId | null;
  readonly predId: Id;
  readonly succs: readonly PeerId[];
  readonly succIds: readonly Id[];
  /**
   * The distance from us to the last successor when the list is in ring order (as it is but
   * briefly while it changes), else null: a key farther than that has no owner in the list.
   */
  readonly succsSpan: bigint | null;
  /** Linked members of this ring that may carry traffic (a link is usable only through here). */
  readonly contacts: ContactView;
  /** An attached peer (attach.ts): it stands beside the ring, owns no key and only forwards. */
  readonly attached?: boolean;
}

export type Decision = { kind: 'self' } | { kind: 'next'; peer: PeerId } | { kind: 'none' };

const SELF: Decision = { kind: 'self' };
const NONE: Decision = { kind: 'none' };

/**
 * Does this peer own key: is it in (predecessor, self]? Without a predecessor a peer claims
 * nothing (but when it is alone): guessing its range from the previous hop gave wrong owners to
 * joiners while the ring was young and changing fast, and a wrong owner misplaces a joiner.
 */
export function ownsKey(v: RouteView, key: Id): boolean {
  if (v.attached === true) return false;
  if (v.succs.length === 0 || key === v.selfId) return true;
  return v.pred !== null && inInterval(key, v.predId, v.selfId, false, true);
}

/**
 * Where a message for key goes next: here, a linked peer, or nowhere (no usable link). `exclude`
 * is never chosen as a greedy step (a peer asking where the ring would put it, see relocate.ts).
 */
export function decide(v: RouteView, key: Id, fromId: Id | null, exclude: PeerId | null = null): Decision {
  if (ownsKey(v, key)) {
    // A linked peer between the key and us proves our predecessor out of date (peers joined
    // after it that have not reached us yet): the key is not ours. Step back to the one nearest
    // the key. In a ring that grows fast, a joiner's lookup otherwise ends at such a peer and
    // puts the joiner hundreds of places from where it belongs.
    if (v.succs.length === 0 || key === v.selfId) return SELF;
    const back = v.contacts.closestFollowing(key, exclude);
    return back === null ? SELF : { kind: 'next', peer: back };
  }
  // The previous hop overshot (its successor pointer is out of date): step back to the linked
  // peer nearest after the key, our predecessor or one closer to the key. Each step back halves
  // the way or so when the peers behind us link to us as their finger.
  if (fromId !== null && inInterval(key, fromId, v.selfId)) {
    const back = v.contacts.closestFollowing(key, exclude);
    if (back !== null) return { kind: 'next', peer: back };
  }
  // Without a predecessor we claim nothing, except what our own successor steps back to us: it
  // has us as its predecessor and so vouches that the key is ours (else the two would bounce it).
  if (v.pred === null && v.attached !== true && fromId !== null && fromId === v.succIds[0] && !inInterval(key, v.selfId, fromId, false, true)) return SELF;
  const owner = ownerFromSuccessors(v, key);
  if (owner !== null) return { kind: 'next', peer: owner };
  const best = closestPreceding(v, key, exclude);
  if (best !== null) return { kind: 'next', peer: best };
  // Our successor's link is not up yet (it just changed): the next successor we can reach knows
  // the key's owner as well, and steps the message back to it if it lies before itself.
  for (const s of v.succs) if (s !== exclude && v.contacts.has(s)) return { kind: 'next', peer: s };
  return NONE;
}

/** The first and second choices, for redundant forwarding; the second may be absent. */
export function decideTwo(v: RouteView, key: Id, fromId: Id | null): PeerId[] {
  const first = decide(v, key, fromId);
  if (first.kind !== 'next') return [];
  const second = closestPreceding(v, key, first.peer);
  if (second !== null) return [first.peer, second];
  const alt = v.succs.find((s) => s !== first.peer && v.contacts.has(s));
  return alt !== undefined ? [first.peer, alt] : [first.peer];
}

/** When the key falls inside our successor list, its owner is known: jump straight to it. */
function ownerFromSuccessors(v: RouteView, key: Id): PeerId | null {
  if (v.succsSpan !== null && distance(v.selfId, key) > v.succsSpan) return null;
  let prev = v.selfId;
  for (let i = 0; i < v.succs.length; i++) {
    const sId = v.succIds[i]!;
    if (inInterval(key, prev, sId, false, true)) {
      const s = v.succs[i]!;
      return v.contacts.has(s) ? s : null;
    }
    prev = sId;
  }
  return null;
}

/** The linked member strictly after us and at or before key that is closest to key. */
export function closestPreceding(v: RouteView, key: Id, exclude: PeerId | null): PeerId | null {
  return v.contacts.closestPreceding(key, exclude);
}
