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
  const note = (msg: string) => {
    out.ok = false;
    if (out.problems.length < MAX_PROBLEMS) out.problems.push(msg);
  };
  for (let i = 0; i < n; i++) {
    const r = live[i]!;
    const trueSucc = live[(i + 1) % n]!.self;
    const truePred = live[(i - 1 + n) % n]!.self;
    if (r.successor() !== trueSucc) {
      out.wrongSuccessors++;
      note(`${r.self.slice(0, 8)}: successor ${r.successor().slice(0, 8)}, true ${trueSucc.slice(0, 8)}`);
    }
    const pred = r.predecessor();
    const predOk = n === 1 ? pred === null || pred === r.self : pred === truePred;
    if (!predOk) {
      out.wrongPredecessors++;
      note(`${r.self.slice(0, 8)}: predecessor ${pred?.slice(0, 8) ?? 'none'}, true ${truePred.slice(0, 8)}`);
    }
  }
  // With every predecessor true the owned ranges are the gaps between neighbours, which tile the
  // ring exactly; otherwise add them up to say how far off they are.
  out.coverageError = n === 0 || out.wrongPredecessors === 0 ? 0n : coverage(live) - RING_SIZE;
  if (out.coverageError !== 0n) note(`owned ranges cover the ring ${out.coverageError > 0n ? 'more' : 'less'} than once`);
  return out;
}

/** The sum of the owned ranges: a peer owns (pred, self]; an unknown predecessor owns nothing it can vouch for. */
function coverage(live: RingProbe[]): bigint {
  let covered = 0n;
  for (const r of live) {
    const pred = r.predecessor();
    if (live.length === 1) covered += RING_SIZE;
    else if (pred !== null) covered += pred === r.self ? RING_SIZE : distance(idFromHex(pred), idFromHex(r.self));
  }
  return covered;
}
