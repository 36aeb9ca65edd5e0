// Repair of a large file, by its sKeeper. The record lists the index chunks and their holders,
// and each index chunk lists its data chunks and theirs, so the holder lists live where the refs
// do. First the index chunks themselves are probed and re-replicated like a small file's chunks;
// then, one index chunk at a time, its data chunks are probed and re-replicated, and when any of
// their holder lists changed the index chunk is rewritten (a new chunk, placed with r replicas) and
// the record is updated to name it. Memory: one decoded index chunk and MAX_REPAIR_IN_FLIGHT
// chunk copies at a time. An index chunk that does not decode leaves the file as it is.
import { CumulusError } from '../../core/errors.js';
import { hashBytesToId, idToHex, type Id, type PeerId } from '../../core/id.js';
import { pathKey } from './paths.js';
import { MAX_REPAIR_IN_FLIGHT } from './constants.js';
import { encodeIndexChunk, IndexCorruptError } from './index-chunks.js';
import { fetchIndexChunk, type IndexedFile } from './index-reader.js';
import type { ChunkRef, FileRecord, IndexRef } from './records.js';
import { pool } from '../../core/pool.js';
import type { Repairer, RepairTally } from './repair.js';
import { placeChunk } from './replicas.js';

/** Probe refs and re-replicate those below r; resolves with the new refs, or undefined when none changed. */
async function repairRefs<T extends ChunkRef>(rp: Repairer, refs: readonly T[], sizeAt: (i: number) => number, r: number, tally: RepairTally, keeper: Id, gone?: ReadonlySet<PeerId>): Promise<T[] | undefined> {
  const have = await rp.probe(refs, gone);
  const out = [...refs];
  let changed = false;
  await pool([...refs.keys()], MAX_REPAIR_IN_FLIGHT, async (i) => {
    const ref = refs[i]!;
    const live = ref.holders.filter((p) => have.get(p)?.has(ref.id));
    if (live.length >= r) return;
    const next = rp.holdersAfter(ref, await rp.repairOne(ref, live, sizeAt(i), r, keeper), r, tally);
    if (next.holders.join() === ref.holders.join()) return;
    out[i] = { ...ref, holders: next.holders };
    changed = true;
  });
  return changed ? out : undefined;
}

/**
 * Repair one large file's index chunks and data chunks, and record their new holders. Holders in
 * `gone` are said to be gone and not probed (Repairer.probe).
 */
export async function repairIndexedFile(rp: Repairer, rec: FileRecord, tally: RepairTally, gone?: ReadonlySet<PeerId>): Promise<void> {
  const index = rec.index!;
  const r = rec.replicas;
  const keeper = pathKey(rec.path);
  const indexRefs: IndexRef[] = (await repairRefs(rp, index.chunks, (j) => index.chunks[j]!.bytes, r, tally, keeper, gone)) ?? [...index.chunks];
  let changed = indexRefs.some((ref, j) => ref !== index.chunks[j]);
  for (let j = 0; j < indexRefs.length; j++) {
    const file: IndexedFile = { path: rec.path, size: rec.size, chunkBytes: rec.chunkBytes, index: { fanout: index.fanout, chunks: indexRefs } };
    let refs: ChunkRef[];
    try {
      // Read like any chunk: its holders (just repaired) one after the other, then its candidate keys.
      refs = await fetchIndexChunk({ ring: rp.ring, timeoutMs: rp.timeoutMs, counters: rp.counters, order: {} }, file, j);
    } catch (e) {
      if (e instanceof IndexCorruptError) {
        rp.counters.badIndexes++;
        return;
      }
      if (e instanceof CumulusError) continue;
      throw e;
    }
    const first = j * index.fanout;
    const mended = await repairRefs(rp, refs, (i) => Math.min(rec.chunkBytes, rec.size - (first + i) * rec.chunkBytes), r, tally, keeper, gone);
    if (!mended) continue;
    const written = await rewrite(rp, mended, r, keeper);
    if (written) {
      indexRefs[j] = written;
      changed = true;
    }
  }
  if (changed) await rp.keeper.updateIfNewer({ ...rec, rev: rec.rev + 1, index: { fanout: index.fanout, chunks: indexRefs } });
}

/** Write an index chunk listing `refs` with r replicas; undefined when it cannot be placed (next round tries again). */
async function rewrite(rp: Repairer, refs: ChunkRef[], r: number, keeper: Id): Promise<IndexRef | undefined> {
  const enc = encodeIndexChunk(refs);
  if (!enc.ok) return undefined;
  const id = idToHex(hashBytesToId(enc.value));
  try {
    return { id, holders: await placeChunk(rp.ring, id, enc.value, r, [], rp.timeoutMs, { keeper, clock: rp.clock }), bytes: enc.value.length };
  } catch (e) {
    if (e instanceof CumulusError) return undefined;
    throw e;
  }
}
