// A peer's view of one ring: successor list, predecessor, fingers and linked contacts, with each
// peer's id parsed to a bigint once. It implements the RouteView that routing reads. It changes
// only through the methods below, which report what changed so the ring can emit events.
import { distance, idFromHex, inInterval, type Id, type PeerId } from '../core/id.js';
import type { RouteView } from './routing.js';

/** Parsed ids kept per ring; a ring touches a few hundred peers, so this is generous. */
const ID_CACHE_ENTRIES = 4096;

export class RingState implements RouteView {
  readonly selfId: Id;
  pred: PeerId | null = null;
  predId: Id;
  succs: PeerId[] = [];
  succIds: Id[] = [];
  /** Finger slot k -> the peer believed to be the successor of self + 2^k. */
  readonly fingers = new Map<number, PeerId>();
  readonly contacts = new Map<PeerId, Id>();
  private readonly ids = new Map<string, Id>();

  constructor(
    readonly self: PeerId,
    readonly successorListSize: number,
    readonly isLinked: (peer: PeerId) => boolean,
  ) {
    this.selfId = idFromHex(self);
    this.predId = this.selfId;
  }

  id(peer: PeerId): Id {
    let v = this.ids.get(peer);
    if (v === undefined) {
      if (this.ids.size >= ID_CACHE_ENTRIES) this.ids.clear();
      v = idFromHex(peer);
      this.ids.set(peer, v);
    }
    return v;
  }

  successor(): PeerId {
    return this.succs[0] ?? this.self;
  }

  /** Replace the successor list: self and duplicates removed, trimmed to r. Returns true if it changed. */
  setSuccessors(list: readonly PeerId[]): boolean {
    const out: PeerId[] = [];
    for (const p of list) {
      if (p === this.self) break; // the list wrapped around the ring back to us
      if (!out.includes(p)) out.push(p);
      if (out.length >= this.successorListSize) break;
    }
    if (out.length === this.succs.length && out.every((p, i) => p === this.succs[i])) return false;
    this.succs = out;
    this.succIds = out.map((p) => this.id(p));
    return true;
  }

  /** Set the predecessor; returns the previous one, or undefined when nothing changed. */
  setPred(p: PeerId | null): PeerId | null | undefined {
    if (p === this.self) p = null;
    if (p === this.pred) return undefined;
    const old = this.pred;
    this.pred = p;
    this.predId = p === null ? this.selfId : this.id(p);
    return old;
  }

  /** Is p a better predecessor than the current one? A predecessor whose link is down counts as gone. */
  betterPred(p: PeerId): boolean {
    if (p === this.self) return false;
    if (this.pred === null || !this.isLinked(this.pred)) return true;
    return inInterval(this.id(p), this.predId, this.selfId);
  }

  /** Forget a peer everywhere; reports whether the successor list or the predecessor changed. */
  forget(p: PeerId): { succs: boolean; pred: PeerId | null | undefined } {
    this.contacts.delete(p);
    for (const [k, f] of this.fingers) if (f === p) this.fingers.delete(k);
    let succs = false;
    const i = this.succs.indexOf(p);
    if (i >= 0) succs = this.setSuccessors(this.succs.filter((s) => s !== p));
    const pred = this.pred === p ? this.setPred(null) : undefined;
    return { succs, pred };
  }

  /** The smallest finger slot whose start lies beyond the successor list (lower slots are successors). */
  firstUsefulFinger(): number {
    const last = this.succIds[this.succIds.length - 1];
    if (last === undefined) return 0;
    return distance(this.selfId, last).toString(2).length;
  }

  fingerValue(p: PeerId): boolean {
    for (const f of this.fingers.values()) if (f === p) return true;
    return false;
  }
}
