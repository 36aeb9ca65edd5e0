// Keeping our own finger table filled: which slots to fill (mandatory ones, and optional ones while
// the link budget has room), and the routed 'find-finger' searches that fill them, one at a time.
import { check } from '../../core/codec.js';
import { addPow2, idToHex, type PeerId } from '../../core/id.js';
import { CHORD_SVC, FINGER_ALT_STEPS, FINGER_RETRY_DOUBLINGS, FINGER_RETRY_MS, FINGER_SLOTS, LINK_SLACK, LINKED_SUCCESSORS, MID_TARGET_SLOTS } from '../constants.js';
import type { MuxView, RingContext } from '../context.js';
import type { Maintenance } from '../maintenance.js';
import type { LinkRoles } from '../roles.js';
import { FindFingerRep } from '../schemas.js';
import { FingerTable } from './table.js';

/**
 * The top slot (half the ring away) is optional, filled only while there is room: it brings half
 * the keys one hop nearer, which the slot below does one hop later; every other slot saves more.
 * At 100,000 peers the link budget is about two links per peer short, and this slot is the
 * cheapest to give up (one link out and, on average, one in).
 */
const TOP_SLOT = FINGER_SLOTS - 1;

/** What the finger search may touch: the link budget is the mux's (Mux.hasRoom, Mux.maxLinks). */
export type FingerSearchContext = Pick<RingContext, 'self' | 'clock' | 'stats' | 'state' | 'refused' | 'status' | 'isJoined' | 'call'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'connect' | 'hasRoom' | 'maxLinks'>;
  readonly roles: Pick<LinkRoles, 'update' | 'assumeDeclared'>;
  readonly maintenance: Pick<Maintenance, 'lookupFailed'>;
};

export class Fingers {
  private readonly table: FingerTable;
  private searching = false;
  private kLow = FINGER_SLOTS;
  /** Slots in [kOpt, kLow) are optional: searched and kept only while the link budget has room. */
  private kOpt = FINGER_SLOTS;
  /** Slot -> time before which it is not searched again (no peer with room was found). */
  private retryAtMs: Map<number, number> | null = null;
  /** Slot -> searches in a row that found no peer for it; reset when the slot is filled. */
  private fails: Map<number, number> | null = null;
  /** The successor list version the bounds were computed for. */
  private boundsOf = -1;
  /** Empty slots due for a search: links the mux keeps room for. */
  private missing = 0;
  /** Slot -> candidates tried in a row by following refusals (tryNext), reset by a search. */
  private walked: Map<number, number> | null = null;

  constructor(private readonly ctx: FingerSearchContext) {
    this.table = new FingerTable(ctx.state);
  }

  /** The filled slots, slot -> finger. */
  entries(): IterableIterator<[number, PeerId]> {
    return this.table.slots.entries();
  }

  /** The slot p fills as our finger, or -1. */
  heldBy(p: PeerId): number {
    return this.table.heldBy(p);
  }

  pending(): number {
    return this.missing;
  }

  /** Is slot k one we fill only when there is room? */
  optional(k: number): boolean {
    return k >= 0 && (k < this.kLow || k === TOP_SLOT);
  }

  /** Drop slots the successor list now covers, then search for the first empty slot. */
  tick(): void {
    const s = this.ctx.state;
    // Routed searches wait until we are in place: their answers are routed back to our id, which
    // reaches us only once our successor knows us.
    if (!this.ctx.isJoined()) return;
    // The bounds move only with the successor list.
    if (this.boundsOf !== s.succsVersion) {
      this.boundsOf = s.succsVersion;
      this.bounds();
      for (const k of [...this.table.slots.keys()]) if (k < this.kOpt) this.clear(k);
      this.trimOptional();
    }
    if (!this.searching) this.searchNext();
  }

  /** Fill slots from peers we know (a joiner: its successors), each in its own interval. */
  seed(hints: readonly PeerId[]): void {
    this.bounds();
    for (const p of hints) {
      if (p === this.ctx.self) continue;
      const k = this.table.slotOf(p);
      if (k >= this.kLow && !this.table.slots.has(k)) this.set(k, p);
    }
  }

  /**
   * How many optional fingers the link budget leaves room for. Each finger costs a link at both
   * ends, so our mandatory fingers and linked successors, and about as many peers that link to us
   * as theirs, take 2 * (mandatory + LINKED_SUCCESSORS) links; optional fingers get what is left
   * of the budget, which shrinks as the ring grows: 7 at 1,000 peers, 2 at 20,000, none at
   * 100,000, where every optional finger took a link some other peer's mandatory finger needed.
   */
  private optionalAllowance(): number {
    const mandatory = Math.max(0, TOP_SLOT - this.kLow);
    const free = this.ctx.mux.maxLinks - LINK_SLACK - 2 * (mandatory + LINKED_SUCCESSORS);
    return free > 0 ? free >> 1 : 0;
  }

  /** Optional slots we hold a finger in. */
  private heldOptional(): number {
    let n = 0;
    for (const k of this.table.slots.keys()) if (this.optional(k)) n++;
    return n;
  }

  /** The ring grew past what the budget allows us: give up optional fingers, the low ones first. */
  private trimOptional(): void {
    let extra = this.heldOptional() - this.optionalAllowance();
    const f = this.table.slots;
    for (let k = this.kOpt; k < this.kLow && extra > 0; k++) if (f.has(k)) (this.clear(k), extra--);
    if (extra > 0 && TOP_SLOT >= this.kLow && f.has(TOP_SLOT)) this.clear(TOP_SLOT);
  }

  private bounds(): void {
    this.kLow = this.table.firstUseful();
    this.kOpt = Math.min(this.kLow, this.table.firstOptional(LINKED_SUCCESSORS));
  }

  /** p's link went down or p turned our finger down: empty its slot, to be searched again. */
  dropPeer(p: PeerId, retryAfterMs = 0): void {
    const k = this.table.heldBy(p);
    if (k < 0) return;
    this.clear(k);
    if (retryAfterMs > 0) (this.retryAtMs ??= new Map()).set(k, this.ctx.clock.now() + retryAfterMs);
  }

  /**
   * The finger in slot k turned us down and named the peer after it: take that one if it lies in
   * the same interval. This is the walk a 'find-finger' makes along successors past peers at
   * their link cap, without routing a new search (at most FINGER_ALT_STEPS steps per slot between searches).
   */
  tryNext(k: number, next: PeerId): void {
    if (this.ctx.status !== 'joined' || k < this.kOpt || this.table.slots.has(k)) return;
    const walked = (this.walked ??= new Map());
    const steps = (walked.get(k) ?? 0) + 1;
    if (steps > FINGER_ALT_STEPS) return;
    walked.set(k, steps);
    this.set(k, next);
  }

  private searchNext(): void {
    const s = this.ctx.state;
    const f = this.table.slots;
    const now = this.ctx.clock.now();
    let next = -1;
    let missing = 0;
    // Lowest slot we must fill first, upwards: a search for slot k is routed toward the middle of
    // its interval, and its first hop is then our finger of the slot below, a hop from the
    // interval (searching from the top down, the lower fingers are not there yet and every search
    // starts log N hops away).
    for (let k = this.kLow; k < TOP_SLOT; k++) {
      if (f.has(k) || (this.retryAtMs?.get(k) ?? 0) > now) continue;
      missing++;
      if (next < 0) next = k;
    }
    // Optional slots only once the others are full, and while there is room for one more link:
    // the top one first (half the keys are one hop nearer with it), then those below kLow.
    // A slot below kLow lies inside our successor list: one that holds none of our successors
    // holds no peer at all, and is not searched (such searches failed half the time at 20,000
    // peers).
    if (missing === 0 && this.heldOptional() < this.optionalAllowance() && this.ctx.mux.hasRoom(s.self)) {
      const top = TOP_SLOT >= this.kLow && !f.has(TOP_SLOT) && (this.retryAtMs?.get(TOP_SLOT) ?? 0) <= now;
      if (top) next = TOP_SLOT;
      else for (let k = this.kLow - 1; k >= this.kOpt; k--) {
        if (f.has(k) || (this.retryAtMs?.get(k) ?? 0) > now || !s.succs.some((p) => this.table.slotOf(p) === k)) continue;
        next = k;
        break;
      }
    }
    this.missing = missing;
    if (next >= 0 && !this.searching) this.search(next);
  }

  private search(k: number): void {
    const ctx = this.ctx;
    const selfId = ctx.state.selfId;
    const start = addPow2(selfId, k);
    const end = k + 1 >= FINGER_SLOTS ? selfId : addPow2(selfId, k + 1);
    // A wide interval is searched from its middle: the search is routed toward the middle and the
    // first peer of the interval on its way that has room takes it (FingerAnswers.inPassing), two
    // hops or so from us, where the owner of the interval's start is log N hops away. A narrow
    // one (a few peers, maybe none past its middle) is searched from its start.
    const target = k >= this.kLow + MID_TARGET_SLOTS && k > 0 ? addPow2(start, k - 1) : start;
    this.searching = true;
    this.walked?.delete(k);
    ctx.call(target, CHORD_SVC, 'find-finger', { start: idToHex(start), end: idToHex(end), walk: 0 }, {}, (e, env) => {
      this.searching = false;
      if (e) ctx.maintenance.lookupFailed(e);
      if (ctx.status !== 'joined') return;
      const rep = e ? null : check(FindFingerRep, env!.body, 'find-finger reply');
      if (rep !== null && !rep.ok) ctx.stats.badBodies++;
      const p = rep?.ok ? rep.value.peer : null;
      const taken = rep?.ok === true && rep.value.taken === true && p !== null && ctx.mux.isLinked(p);
      if (p !== null && k >= this.kOpt && this.set(k, p, taken)) this.fails?.delete(k);
      else {
        // The peer linked to us as our finger and we do not take it: release that link.
        if (taken) ctx.roles.update(p);
        // No peer of the slot with room (or none we could link to): try again later, twice as
        // late after each failure in a row, since the peers there are as full as they were.
        const fails = (this.fails ??= new Map());
        const n = Math.min((fails.get(k) ?? 0) + 1, FINGER_RETRY_DOUBLINGS + 1);
        fails.set(k, n);
        (this.retryAtMs ??= new Map()).set(k, ctx.clock.now() + FINGER_RETRY_MS * 2 ** (n - 1));
      }
      // Go straight on to the next empty slot: a joiner fills its table in a few round trips, and
      // every slot is tried at most once per FINGER_RETRY_MS (or longer), so the chain ends.
      this.searchNext();
    });
  }

  /**
   * Put p in slot k if it belongs there; link to it (its 'use' declaration follows the link).
   * `taken`: p linked to us and counts the link as our finger already, so no 'use' is sent.
   */
  private set(k: number, p: PeerId, taken = false): boolean {
    const { ctx, table } = this;
    if (p === ctx.self || table.slotOf(p) !== k || ctx.refused.has(p, ctx.clock.now())) return false;
    if (table.slots.get(k) === p) return true;
    this.clear(k);
    table.set(k, p);
    if (taken) this.ctx.roles.assumeDeclared(p);
    if (ctx.mux.isLinked(p)) this.ctx.roles.update(p);
    else if (!ctx.mux.connect(p)) {
      table.delete(k);
      return false;
    }
    return true;
  }

  private clear(k: number): void {
    const old = this.table.delete(k);
    if (old !== undefined) this.ctx.roles.update(old);
  }
}
