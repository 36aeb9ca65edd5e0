// The ring checker for the simulator: given every live peer's ring, is every successor and
// predecessor the true one (from the sorted live ids), and do the owned ranges tile the ring so
// that every key has exactly one owner?
import { distance, idFromHex, RING_SIZE, type PeerId } from '../core/id.js';

/** What the checker reads of a ring; ChordRing satisfies it. */
export interface RingProbe {
  readonly self: PeerId;
  isJoined(): boolean;
  successor(): PeerId;
  predecessor(): PeerId | null;
}

export interface RingCheck {
  ok: boolean;
  peers: number;
  wrongSuccessors: number;
  wrongPredecessors: number;
  /** Sum of owned range lengths minus the ring size: > 0 overlaps, < 0 gaps. */
  coverageError: bigint;
  /** The first few problems, for the failure message. */
  problems: string[];
}

const MAX_PROBLEMS = 10;

export function checkRing(rings: Iterable<RingProbe>): RingCheck {
  const live = [...rings].filter((r) => r.isJoined());
  // Ids are 40 lower-case hex characters: their string order is their numeric order, which spares
  // a checker run over 100,000 peers as many bigint conversions.
  live.sort((a, b) => (a.self < b.self ? -1 : 1));
  const n = live.length;
  const out: RingCheck = { ok: true, peers: n, wrongSuccessors: 0, wrongPredecessors: 0, coverageError: 0n, problems: [] };
  // The message is built only for the first few problems: early in a large simulation's
  // convergence most peers have one.
  const note = (msg: () => string) => {
    out.ok = false;
    if (out.problems.length < MAX_PROBLEMS) out.problems.push(msg());
  };
  // Owned ranges minus the true ones, summed over the peers whose predecessor is wrong (see below).
  let coverageError = 0n;
  for (let i = 0; i < n; i++) {
    const r = live[i]!;
    const trueSucc = live[(i + 1) % n]!.self;
    const truePred = live[(i - 1 + n) % n]!.self;
    if (r.successor() !== trueSucc) {
      out.wrongSuccessors++;
      note(() => `${r.self.slice(0, 8)}: successor ${r.successor().slice(0, 8)}, true ${trueSucc.slice(0, 8)}`);
    }
    const pred = r.predecessor();
    if (!predecessorTrue(pred, r.self, truePred, n)) {
      out.wrongPredecessors++;
      coverageError += owned(pred, r.self) - distance(idFromHex(truePred), idFromHex(r.self));
      note(() => `${r.self.slice(0, 8)}: predecessor ${pred?.slice(0, 8) ?? 'none'}, true ${truePred.slice(0, 8)}`);
    }
  }
  // A peer owns (pred, self]. With every predecessor true the owned ranges are the gaps between
  // neighbours, which tile the ring exactly; so the sum of all owned ranges minus the ring size is
  // the sum, over the peers whose predecessor is wrong, of what they own minus their true gap:
  // exact, with bigint arithmetic only for those peers (a 100,000-peer simulation runs the checker
  // every tenth of a stabilize period until it passes).
  out.coverageError = n <= 1 ? 0n : coverageError;
  if (out.coverageError !== 0n) note(() => `owned ranges cover the ring ${out.coverageError > 0n ? 'more' : 'less'} than once`);
  return out;
}

/** A ring of one has no predecessor or itself; any other peer has the one before it in id order. */
function predecessorTrue(pred: PeerId | null, self: PeerId, truePred: PeerId, n: number): boolean {
  return n === 1 ? pred === null || pred === self : pred === truePred;
}

/**
 * checkRing(rings).ok for rings that must all be in place, failing fast: `rings` are every live
 * peer's, already in id order; the index of the first one, from `from` on (wrapping), that is not
 * in place or has a wrong successor or predecessor, or -1 when there is none (then the owned
 * ranges tile the ring, as checkRing's sum would find). A simulation waiting for an exact ring
 * asks every tenth of a period, and starting where the last call failed usually fails at once.
 */
export function firstWrong(rings: readonly RingProbe[], from = 0): number {
  const n = rings.length;
  const at = from >= 0 && from < n ? from : 0;
  for (let j = 0; j < n; j++) {
    const i = (at + j) % n;
    const r = rings[i]!;
    if (!r.isJoined() || r.successor() !== rings[(i + 1) % n]!.self || !predecessorTrue(r.predecessor(), r.self, rings[(i - 1 + n) % n]!.self, n)) return i;
  }
  return -1;
}

/** What a peer owns with predecessor pred: (pred, self]; an unknown predecessor owns nothing it can vouch for. */
function owned(pred: PeerId | null, self: PeerId): bigint {
  if (pred === null) return 0n;
  return pred === self ? RING_SIZE : distance(idFromHex(pred), idFromHex(self));
}
