// Moving chunks away when the volunteer lowers its quota below what it holds. Each surplus chunk is
// first placed on another peer (the candidate owners of its replica keys, then our neighbours, as
// any placement), and only deleted here once that copy is confirmed; a chunk no other peer takes
// stays, so a lower quota never costs a copy. Then the sKeepers of what we held hear a departure
// notice about us: they probe our chunks, find the moved ones gone from here, and re-record them.
import type { Clock } from '../../env/ports.js';
import type { RingPort } from '../../overlay/port.js';
import type { HolderStore } from './holder-store.js';
import { placeChunk } from './replicas.js';
import { sendGoneNotices } from './departures.js';

/** Chunk ids read from the store per scan step. */
const SHED_SCAN_IDS = 64;
/** Chunks moved at most per shed: a huge surplus is moved over several calls, each bounded. */
const MAX_SHED_CHUNKS = 4096;

export interface ShedResult {
  movedChunks: number;
  movedBytes: number;
  /** Chunks no other peer would take now (they stay here, past the quota, until a later shed). */
  keptChunks: number;
  usedBytes: number;
  quotaBytes: number;
}

export interface ShedCounters {
  notices: number;
  noticesFailed: number;
  noticeKeys: number;
}

/** Move chunks away until what this peer holds fits its quota (or no peer takes more). */
export async function shedSurplus(
  ring: RingPort, clock: Clock, store: HolderStore, keeperKeys: () => Promise<string[]>, timeoutMs: number, counters: ShedCounters,
): Promise<ShedResult> {
  await store.open();
  let movedChunks = 0;
  let movedBytes = 0;
  let keptChunks = 0;
  let after: string | undefined;
  while (store.used > store.quotaBytes && movedChunks + keptChunks < MAX_SHED_CHUNKS) {
    const ids = await store.ids(SHED_SCAN_IDS, after);
    if (ids.length === 0) break;
    for (const id of ids) {
      after = id;
      if (store.used <= store.quotaBytes) break;
      const bytes = await store.get(id);
      if (!bytes) continue;
      try {
        // Ourselves plus one more holder: the copy that replaces ours.
        await placeChunk(ring, id, bytes, 2, [ring.self], timeoutMs);
      } catch {
        keptChunks++;
        continue;
      }
      await store.del(id);
      movedChunks++;
      movedBytes += bytes.length;
    }
  }
  if (movedChunks > 0) await sendGoneNotices(ring, clock, timeoutMs, counters, ring.self, await keeperKeys());
  return { movedChunks, movedBytes, keptChunks, usedBytes: store.used, quotaBytes: store.quotaBytes };
}
