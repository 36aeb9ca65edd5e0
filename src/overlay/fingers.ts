// Finger repair. Slot k points at the successor of self + 2^k. Slots whose start falls within
// the successor list are skipped (those fingers are successors), so a peer keeps only about
// log2 N distinct fingers. One group of slots sharing a peer is refreshed per tick: a cheap
// probe of the finger's predecessor when the finger is linked, a lookup when there is none.
import { check } from '../core/codec.js';
import { distance, inInterval, type Id, type PeerId } from '../core/id.js';
import { CHORD_SVC, FINGER_SLOTS } from './constants.js';
import { LinkValue } from './mux.js';
import type { ChordRing } from './ring.js';
import { StabilizeRep } from './schemas.js';

export class Fingers {
  private next = 0;
  private busy = false;

  constructor(private readonly r: ChordRing) {}

  tick(): void {
    const r = this.r;
    const s = r.state;
    if (r.status !== 'joined' || s.succs.length === 0 || this.busy) return;
    const kLow = s.firstUsefulFinger();
    for (const k of [...s.fingers.keys()]) if (k < kLow) s.fingers.delete(k);
    if (kLow >= FINGER_SLOTS) return;
    const k = this.next < kLow || this.next >= FINGER_SLOTS ? kLow : this.next;
    const f = s.fingers.get(k);
    let end = k;
    while (f !== undefined && end + 1 < FINGER_SLOTS && s.fingers.get(end + 1) === f) end++;
    this.next = end + 1;
    if (f !== undefined && r.refused.has(f, r.clock.now())) return;
    if (f !== undefined && r.mux.isLinked(f)) this.probe(k, end, f);
    else this.lookup(k);
  }

  /** Ask finger f for its predecessor; a predecessor at or after a slot's start is a closer finger. */
  private probe(k: number, end: number, f: PeerId): void {
    const r = this.r;
    this.busy = true;
    r.call({ peer: f }, CHORD_SVC, 'stabilize', { notify: false }, {}, (e, env) => {
        this.busy = false;
        if (e) return;
        const rep = check(StabilizeRep, env!.body, 'stabilize reply');
        if (!rep.ok) return void r.stats.badBodies++;
        const p = rep.value.pred as PeerId | null;
        if (p === null || p === r.self || r.status !== 'joined') return;
        const pId = r.state.id(p);
        const fId = r.state.id(f);
        let moved = false;
        for (let j = k; j <= end; j++) {
          if (r.state.fingers.get(j) !== f) continue;
          if (inInterval(pId, r.maintenance.fingerStart(j), fId, true, false)) {
            this.set(j, p);
            moved = true;
          }
        }
        // The new finger may still not be the exact successor of the start: look again next tick.
        if (moved) this.next = k;
    });
  }

  private lookup(k: number): void {
    const r = this.r;
    this.busy = true;
    r.maintenance.findSuccessor(r.maintenance.fingerStart(k), false, undefined, (e, rep) => {
      this.busy = false;
      if (!e && r.status === 'joined' && rep!.owner !== r.self) this.set(k, rep!.owner as PeerId);
    });
  }

  private set(k: number, p: PeerId): void {
    const r = this.r;
    r.state.fingers.set(k, p);
    if (r.mux.isLinked(p)) {
      r.state.contacts.set(p, r.state.id(p));
      return;
    }
    if (!r.refused.has(p, r.clock.now()) && r.mux.canConnect(LinkValue.finger)) r.mux.connect(p);
  }

  /** A joining peer starts from its successor's fingers: near-exact, since the two are adjacent. */
  seed(hints: PeerId[]): void {
    const s = this.r.state;
    const sorted: Array<{ p: PeerId; d: bigint }> = [];
    for (const p of new Set(hints)) if (p !== s.self) sorted.push({ p, d: distance(s.selfId, s.id(p)) });
    sorted.sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0));
    let i = 0;
    for (let k = s.firstUsefulFinger(); k < FINGER_SLOTS && i < sorted.length; k++) {
      const startD = 1n << BigInt(k);
      while (i < sorted.length && sorted[i]!.d < startD) i++;
      if (i < sorted.length) this.set(k, sorted[i]!.p);
    }
  }
}

/** Exposed for tests: the ideal finger of slot k among sorted live ids. */
export function idealFinger(sortedIds: readonly Id[], start: Id): Id {
  for (const id of sortedIds) if (id >= start) return id;
  return sortedIds[0]!;
}
