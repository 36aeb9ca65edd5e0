// Placing and reading the replicas of one chunk. Placement walks the candidate keys
// hash(i ‖ chunkId) in order and keeps the first r distinct owners that accept; a full or dead
// owner makes it move on, and the caller records where each replica went. Reading tries the
// recorded holders, then the candidate owners, and accepts only bytes that hash to the id.
import { CumulusError } from '../../core/errors.js';
import type { Id, PeerId } from '../../core/id.js';
import type { Clock, TimerHandle } from '../../env/ports.js';
import { MAX_CANDIDATES, MAX_DUPLICATE_CANDIDATES, PLACE_HEDGE_MS, READ_FIRST_PIECE_TIMEOUT_MS, READ_HEDGE_MS } from './constants.js';
import { ChunkCorruptError, ChunkUnavailableError, ReplicationFailedError, type PlacementFailure, type ReadAttempt } from './errors.js';
import { candidateKey } from './placement.js';
import type { ChunkRef } from './records.js';
import type { RingPort } from '../../overlay/port.js';
import type { SuspectPeers } from './suspects.js';
import type { PieceSinks } from './sinks.js';
import { fetchChunk, sendChunk } from './transfer.js';

export interface ReadCounters {
  /** Replicas whose bytes did not hash to the chunk id (lying or damaged holders). */
  corruptReplicas: number;
  /** Replicas that could not be read (holder dead, timed out or missing the chunk). */
  deadReplicas: number;
  chunksRead: number;
  /** Chunks this peer served itself (it was a holder): no network involved. */
  localChunks: number;
  /** Attempts raced by the next holder because the first piece was slow to come (READ_HEDGE_MS). */
  hedgedReads: number;
}

function failure(where: string, e: unknown): PlacementFailure {
  return { where, code: e instanceof CumulusError ? e.code : 'error' };
}

/** How a chunk is placed (see placeChunk). */
export interface PlaceOptions {
  /** The sKeeper key of the file the chunk belongs to: new holders keep it in their summary. */
  keeper?: Id;
  /**
   * Send the first candidates their copies together (one round instead of one per replica), for a
   * writer whose latency counts more than an occasional copy to a duplicate owner.
   */
  atOnce?: boolean;
  /**
   * A ring key whose owner gets the first copy, before the candidates (a job's partition goes to
   * the peer that will reduce it); readers find it through the record like any replica.
   */
  home?: Id;
  /**
   * With a clock, a candidate whose first piece is unanswered after PLACE_HEDGE_MS is raced by the
   * next one: a crashed owner whose links still look up swallows the piece, and waiting the whole
   * request timeout for it held every repair lane for seconds after each departure.
   */
  clock?: Clock;
}

/**
 * Make sure r distinct peers hold the chunk. `live` are holders known to have it; they count
 * towards r. Resolves with the holders (live first, then new ones) or throws ReplicationFailedError.
 */
export async function placeChunk(ring: RingPort, id: string, bytes: Uint8Array, r: number, live: PeerId[], timeoutMs: number, opts: PlaceOptions = {}): Promise<PeerId[]> {
  const { keeper, atOnce = false, home } = opts;
  const holders = [...live];
  const failures: PlacementFailure[] = [];
  const walk: Walk = { next: 0, duplicates: 0 };
  const want = r - holders.length;
  if ((atOnce || home !== undefined) && want > 0) {
    // The home copy is sent with the first candidates' (or alone, when the writer is not in a hurry).
    const keys: Array<[string, Id]> = home === undefined ? [] : [['home', home]];
    for (let k = 0; atOnce && keys.length < want; k++, walk.next++) keys.push([`candidate ${k}`, candidateKey(k, id)]);
    (await Promise.allSettled(keys.map(([, key]) => sendChunk(ring, key, id, bytes, timeoutMs, keeper, { clock: opts.clock })))).forEach((s, k) => {
      if (s.status === 'rejected') failures.push(failure(keys[k]![0], s.reason));
      else if (!holders.includes(s.value)) holders.push(s.value);
      else walk.duplicates++;
    });
  }
  await walkCandidates(ring, { id, bytes, r, holders, failures, timeoutMs, keeper, clock: opts.clock }, walk);
  // In a small ring the candidate keys may fall on fewer than r peers (a few peers own most of the
  // ring). Readers find a chunk through the holders the record lists, so any peer will do: try
  // ourselves and our neighbours before giving up.
  for (const peer of neighbours(ring)) {
    if (holders.length >= r) break;
    if (holders.includes(peer)) continue;
    try {
      const got = await sendChunk(ring, { peer }, id, bytes, timeoutMs, keeper, { clock: opts.clock });
      if (!holders.includes(got)) holders.push(got);
    } catch (e) {
      failures.push(failure(`neighbour ${peer.slice(0, 8)}`, e));
    }
  }
  if (holders.length < r) throw new ReplicationFailedError(id, holders.length, r, failures);
  return holders;
}

/** Where placement is in the candidate keys, and how many owners already held the chunk. */
interface Walk {
  next: number;
  duplicates: number;
}

interface Placing {
  id: string;
  bytes: Uint8Array;
  r: number;
  /** Filled in as owners take the chunk; read by the caller once the walk resolves. */
  holders: PeerId[];
  failures: PlacementFailure[];
  timeoutMs: number;
  keeper: Id | undefined;
  clock: Clock | undefined;
}

/**
 * Walk the candidate keys until the holders reach r, one send at a time, each to the next key's
 * owner. With a clock, a send whose first piece is unanswered after PLACE_HEDGE_MS stops counting
 * toward r and the next candidate is tried beside it (it still adds a holder if it answers in time).
 * Once r holders are reached, a send whose first piece is still unanswered is cancelled: it sends
 * no further piece, and its holder is told to drop what it assembled. A send whose owner answered
 * is alive and already transferring: the walk waits for it and records it too (r + 1 holders), so
 * no raced copy is left stored but unrecorded, holding quota, or half-assembled, holding a slot.
 * Resolves when no send that counts is left: r holders reached, or every send started has ended.
 */
function walkCandidates(ring: RingPort, p: Placing, walk: Walk): Promise<void> {
  return new Promise<void>((resolve) => {
    let counted = 0;
    /** Sends started and not cancelled that have not ended. */
    let live = 0;
    let full = false;
    let over = false;
    const unanswered = new Set<() => void>();
    const fill = (): void => {
      if (over) return;
      if (!full) while (p.holders.length + counted < p.r && walk.next < MAX_CANDIDATES && walk.duplicates < MAX_DUPLICATE_CANDIDATES) start(walk.next++);
      if (!full && p.holders.length >= p.r) {
        full = true;
        for (const cancel of [...unanswered]) cancel();
      }
      if (live === 0) {
        over = true;
        resolve();
      }
    };
    const start = (k: number): void => {
      live++;
      counted++;
      let counts = true;
      let cancelled = false;
      const uncount = (): void => {
        if (!counts) return;
        counts = false;
        counted--;
      };
      const cancel = (): void => {
        unanswered.delete(cancel);
        cancelled = true;
        uncount();
        live--;
      };
      unanswered.add(cancel);
      const hedge = p.clock?.setTimer(PLACE_HEDGE_MS, () => {
        uncount();
        fill();
      });
      const answered = (): void => {
        unanswered.delete(cancel);
        if (hedge !== undefined) p.clock!.cancel(hedge);
      };
      sendChunk(ring, candidateKey(k, p.id), p.id, p.bytes, p.timeoutMs, p.keeper, { onFirstPiece: answered, cancelled: () => cancelled, clock: p.clock })
        .then(
          (peer) => {
            // A cancelled send whose one piece landed while others still transfer counts as well.
            if (over) return;
            // Two candidate keys may share an owner (small rings); a replica counts once per peer.
            if (!p.holders.includes(peer)) p.holders.push(peer);
            else walk.duplicates++;
          },
          (e: unknown) => {
            if (!over && !cancelled) p.failures.push(failure(`candidate ${k}`, e));
          },
        )
        .finally(() => {
          answered();
          uncount();
          if (!cancelled) live--;
          fill();
        });
    };
    fill();
  });
}

function orderHolders(ring: RingPort, holders: readonly PeerId[], order: ReadOrder): PeerId[] {
  // Our own copy first: it costs no link at all.
  const self = ring.self;
  const others = holders.filter((p) => p !== self);
  const k = others.length === 0 ? 0 : (order.spread ?? 0) % others.length;
  let rotated = [...others.slice(k), ...others.slice(0, k)];
  // Then the holders we have a link to (alive as far as we know, and one hop away), then the rest:
  // a holder that crashed loses its link to us, and asking it first would cost a timeout.
  rotated = [...rotated.filter((p) => ring.isLinked(p)), ...rotated.filter((p) => !ring.isLinked(p))];
  if (others.length < holders.length) rotated.unshift(self);
  return order.suspects ? order.suspects.order(rotated) : rotated;
}

function neighbours(ring: RingPort): PeerId[] {
  const pred = ring.predecessor();
  return [...new Set([ring.self, ...ring.successors(), ...(pred ? [pred] : [])])];
}

/** How a reader orders a chunk's holders: suspects last, and a file's chunks spread over their holders. */
export interface ReadOrder {
  suspects?: SuspectPeers;
  /** The chunk's index in its file: chunk i starts at holder i mod r, so a file is read from all its replicas at once. */
  spread?: number;
  /** Ask holders to push a chunk's pieces (one request per chunk) instead of one request per piece. */
  sinks?: PieceSinks;
  /**
   * With a clock, a holder that has sent nothing for READ_HEDGE_MS while we wait for its first
   * piece is raced by the next one (and made a suspect); without, holders are tried one after
   * the other, each given READ_FIRST_PIECE_TIMEOUT_MS for its first piece.
   */
  clock?: Clock;
}

type Target = { peer: PeerId } | ReturnType<typeof candidateKey>;
/** A target and how an error names it. */
interface Labelled {
  target: Target;
  where: string;
}

/**
 * Read and verify one chunk, falling back from holder to holder: the recorded holders, then the
 * owners of the first `fallbackCandidates` candidate keys (every one placement may have used, by
 * default); throws ChunkUnavailableError naming each place tried and how it failed. Every attempt
 * that fails, or (with order.clock) whose holder stays silent for READ_HEDGE_MS before its first
 * piece, starts the next target; the first verified copy wins, later ones are dropped. A holder
 * that is busy streaming other pieces to us is alive, and is waited for.
 */
export function readChunk(ring: RingPort, ref: ChunkRef, size: number, timeoutMs: number, counters: ReadCounters, fallbackCandidates = MAX_CANDIDATES, order: ReadOrder = {}): Promise<Uint8Array> {
  const tried = new Set<string>();
  const attempts: ReadAttempt[] = [];
  const holders = orderHolders(ring, ref.holders, order);
  const candidates = Math.min(fallbackCandidates, MAX_CANDIDATES);
  // The recorded holders, then the candidate owners; a candidate key is hashed only when reached.
  const targets = (function* (): Generator<Labelled> {
    for (const peer of holders) yield { target: { peer }, where: `holder ${peer.slice(0, 8)}` };
    for (let i = 0; i < candidates; i++) yield { target: candidateKey(i, ref.id), where: `candidate ${i}` };
  })();
  // Racing finds dead holders; without it, a short first-piece timeout has to.
  const clock = order.clock;
  const firstTimeoutMs = clock ? timeoutMs : Math.min(timeoutMs, READ_FIRST_PIECE_TIMEOUT_MS);
  return new Promise<Uint8Array>((resolve, reject) => {
    let running = 0;
    let settled = false;
    let exhausted = false;
    const nextTarget = (): Labelled | undefined => {
      for (;;) {
        const n = targets.next();
        if (n.done) return undefined;
        const t = n.value.target;
        if (typeof t !== 'object') return n.value;
        if (tried.has(t.peer)) continue;
        tried.add(t.peer);
        return n.value;
      }
    };
    const giveUpIfDone = () => {
      if (!settled && exhausted && running === 0) {
        settled = true;
        reject(new ChunkUnavailableError(ref.id, attempts));
      }
    };
    const attempt = (): void => {
      if (settled) return;
      const next = nextTarget();
      if (next === undefined) {
        exhausted = true;
        return giveUpIfDone();
      }
      const t = next.target;
      running++;
      // Each attempt starts at most one successor: when it fails, or when it is slow to start.
      let passedOn = false;
      const passOn = () => {
        if (passedOn) return;
        passedOn = true;
        attempt();
      };
      let alive = false;
      // Our own copy needs no link: it is slow only when this peer is busy, and asking another
      // holder would not help; nor do we ever make ourselves a suspect.
      const local = typeof t === 'object' && t.peer === ring.self;
      let hedge: TimerHandle | undefined;
      const check = (): void => {
        hedge = undefined;
        if (alive || settled || !clock) return;
        const heard = typeof t === 'object' ? order.sinks?.heardFrom(t.peer) : undefined;
        const quietMs = heard === undefined ? Infinity : clock.now() - heard;
        if (quietMs < READ_HEDGE_MS) {
          hedge = clock.setTimer(READ_HEDGE_MS - quietMs, check);
          return;
        }
        counters.hedgedReads++;
        if (typeof t === 'object') order.suspects?.add(t.peer);
        passOn();
      };
      if (clock && !local) hedge = clock.setTimer(READ_HEDGE_MS, check);
      const stopHedge = () => {
        if (hedge !== undefined) clock!.cancel(hedge);
        hedge = undefined;
      };
      const onFirstPiece = () => {
        alive = true;
      };
      fetchChunk(ring, t, ref.id, size, timeoutMs, firstTimeoutMs, order.sinks, onFirstPiece).then(
        ({ bytes, from }) => {
          running--;
          stopHedge();
          if (settled) return;
          settled = true;
          counters.chunksRead++;
          if (from === ring.self) counters.localChunks++;
          resolve(bytes);
        },
        (e: unknown) => {
          running--;
          stopHedge();
          attempts.push({ where: next.where, code: e instanceof ChunkCorruptError ? 'CORRUPT' : e instanceof CumulusError ? e.code : 'error' });
          if (e instanceof ChunkCorruptError) {
            counters.corruptReplicas++;
            const liar = (e.detail as { peer?: string } | undefined)?.peer;
            if (liar) tried.add(liar);
          } else {
            counters.deadReplicas++;
            if (typeof t === 'object' && !local) order.suspects?.add(t.peer);
          }
          if (passedOn) giveUpIfDone();
          else passOn();
        },
      );
    };
    attempt();
  });
}
