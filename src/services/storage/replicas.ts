// Placing and reading the replicas of one chunk. Placement walks the candidate keys
// hash(i ‖ chunkId) in order and keeps the first r distinct owners that accept; a full or dead
// owner makes it move on, and the caller records where each replica went. Reading tries the
// recorded holders, then the candidate owners, and accepts only bytes that hash to the id.
import { CumulusError } from '../../core/errors.js';
import type { PeerId } from '../../core/id.js';
import { MAX_CANDIDATES, MAX_DUPLICATE_CANDIDATES, READ_FIRST_PIECE_TIMEOUT_MS } from './constants.js';
import { ChunkCorruptError, ChunkUnavailableError, ReplicationFailedError } from './errors.js';
import { candidateKey } from './placement.js';
import type { ChunkRef } from './records.js';
import type { RingPort } from './ring-port.js';
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
}

function reason(e: unknown): string {
  return e instanceof CumulusError ? e.code : 'error';
}

/**
 * Make sure r distinct peers hold the chunk. `live` are holders known to have it; they count
 * towards r. Resolves with the holders (live first, then new ones) or throws ReplicationFailedError.
 */
export async function placeChunk(ring: RingPort, id: string, bytes: Uint8Array, r: number, live: PeerId[], timeoutMs: number): Promise<PeerId[]> {
  const holders = [...live];
  const reasons: string[] = [];
  let duplicates = 0;
  for (let i = 0; i < MAX_CANDIDATES && holders.length < r && duplicates < MAX_DUPLICATE_CANDIDATES; i++) {
    try {
      const peer = await sendChunk(ring, candidateKey(i, id), id, bytes, timeoutMs);
      // Two candidate keys may share an owner (small rings); a replica counts once per peer.
      if (!holders.includes(peer)) holders.push(peer);
      else duplicates++;
    } catch (e) {
      reasons.push(`candidate ${i}: ${reason(e)}`);
    }
  }
  // In a small ring the candidate keys may fall on fewer than r peers (a few peers own most of the
  // ring). Readers find a chunk through the holders the record lists, so any peer will do: try
  // ourselves and our neighbours before giving up.
  for (const peer of neighbours(ring)) {
    if (holders.length >= r) break;
    if (holders.includes(peer)) continue;
    try {
      const got = await sendChunk(ring, { peer }, id, bytes, timeoutMs);
      if (!holders.includes(got)) holders.push(got);
    } catch (e) {
      reasons.push(`neighbour ${peer.slice(0, 8)}: ${reason(e)}`);
    }
  }
  if (holders.length < r) throw new ReplicationFailedError(id, holders.length, r, reasons);
  return holders;
}

function orderHolders(self: PeerId, holders: readonly PeerId[], order: ReadOrder): PeerId[] {
  // Our own copy first: it costs no link at all.
  const others = holders.filter((p) => p !== self);
  const k = others.length === 0 ? 0 : (order.spread ?? 0) % others.length;
  const rotated = [...(others.length < holders.length ? [self] : []), ...others.slice(k), ...others.slice(0, k)];
  return order.suspects ? order.suspects.order(rotated) : rotated;
}

function neighbours(ring: RingPort): PeerId[] {
  const pred = ring.predecessor();
  return [...new Set([ring.self, ...ring.successors(), ...(pred ? [pred] : [])])];
}

/** Read and verify one chunk, falling back from holder to holder; throws ChunkUnavailableError. */
/** How a reader orders a chunk's holders: suspects last, and a file's chunks spread over their holders. */
export interface ReadOrder {
  suspects?: SuspectPeers;
  /** The chunk's index in its file: chunk i starts at holder i mod r, so a file is read from all its replicas at once. */
  spread?: number;
  /** Ask holders to push a chunk's pieces (one request per chunk) instead of one request per piece. */
  sinks?: PieceSinks;
}

export async function readChunk(ring: RingPort, ref: ChunkRef, size: number, timeoutMs: number, counters: ReadCounters, fallbackCandidates = 6, order: ReadOrder = {}): Promise<Uint8Array> {
  const tried = new Set<string>();
  const holders = orderHolders(ring.self, ref.holders, order);
  const targets: Array<{ peer: PeerId } | ReturnType<typeof candidateKey>> = holders.map((peer) => ({ peer }));
  for (let i = 0; i < Math.min(fallbackCandidates, MAX_CANDIDATES); i++) targets.push(candidateKey(i, ref.id));
  for (const t of targets) {
    if (typeof t === 'object') {
      if (tried.has(t.peer)) continue;
      tried.add(t.peer);
    }
    try {
      const { bytes, from } = await fetchChunk(ring, t, ref.id, size, timeoutMs, Math.min(timeoutMs, READ_FIRST_PIECE_TIMEOUT_MS), order.sinks);
      counters.chunksRead++;
      if (from === ring.self) counters.localChunks++;
      return bytes;
    } catch (e) {
      if (e instanceof ChunkCorruptError) {
        counters.corruptReplicas++;
        const liar = (e.detail as { peer?: string } | undefined)?.peer;
        if (liar) tried.add(liar);
      } else {
        counters.deadReplicas++;
        if (typeof t === 'object' && 'peer' in t) order.suspects?.add(t.peer);
      }
    }
  }
  throw new ChunkUnavailableError(ref.id, targets.length);
}
