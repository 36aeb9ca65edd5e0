// A peer's view of one ring: successor list, predecessor and linked contacts, with each
// peer's id parsed to a bigint once. It implements the RouteView that routing reads. It changes
// only through the methods below, which report what changed so the ring can emit events.
import { distance, idFromHex, inInterval, type Id, type PeerId } from '../core/id.js';
import type { RouteView } from './routing.js';
import { Contacts } from './contacts.js';

/**
 * Parsed ids of peers and keys met in passing (routed messages name their destination), shared by
 * every ring in the process: a pure function's memo, so sharing changes no result. Ids of peers a
 * ring keeps (successors, fingers, contacts) live in its own structures. A simulation of 100,000
 * peers parses each routed id once rather than at every hop; the memo is emptied when full.
 */
const ID_MEMO_ENTRIES = 1 << 16;
const idMemo = new Map<string, Id>();

/** The id of a hex string already checked to be 40 lower-case hex characters (by a schema). */
export function checkedId(hex: string): Id {
  let v = idMemo.get(hex);
  if (v === undefined) {
    if (idMemo.size >= ID_MEMO_ENTRIES) idMemo.clear();
    v = BigInt('0x' + hex) as Id;
    idMemo.set(hex, v);
  }
  return v;
}

/** The distance to the last of ids when they are in ring order from self, else null. */
function span(self: Id, ids: readonly Id[]): bigint | null {
  let last = 0n;
  for (const id of ids) {
    const d = distance(self, id);
    if (d <= last) return null;
    last = d;
  }
  return last;
}

export class RingState implements RouteView {
  readonly selfId: Id;
  pred: PeerId | null = null;
  predId: Id;
  succs: PeerId[] = [];
  succIds: Id[] = [];
  succsSpan: bigint | null = 0n;
  /** Bumped on every change of `succs`, so a predecessor can ask for the list only when it changed. */
  succsVersion = 0;
  /** Linked members of this ring, with their ids: what routing chooses from. */
  readonly contacts: Contacts;
  /** Set once, before the ring runs, for a peer that stands beside the ring (attach.ts). */
  attached = false;

  constructor(
    readonly self: PeerId,
    readonly successorListSize: number,
    readonly isLinked: (peer: PeerId) => boolean,
  ) {
    this.selfId = idFromHex(self);
    this.predId = this.selfId;
    this.contacts = new Contacts(this.selfId);
  }

  id(peer: PeerId): Id {
    // Peer ids reach us through envelopes and bodies whose schemas checked their form.
    return this.contacts.get(peer) ?? checkedId(peer);
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
    this.succsSpan = span(this.selfId, this.succIds);
    this.succsVersion = (this.succsVersion + 1) >>> 0;
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
}
