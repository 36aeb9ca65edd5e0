// A reader's second chance at a chunk that none of its recorded holders nor candidate owners
// served. The reader's copy of the record may be stale: repair re-replicates a chunk whose holders
// departed and records the new holders at the sKeeper, and in a small ring some of them are no
// candidate of the chunk (placement falls back to the writer's neighbours), so a reader holding
// the old record cannot find them. It asks the sKeeper for the current record (once per
// RECORD_REFRESH_MS, whatever the number of chunks that failed) and, when the file is still the
// same content, tries the chunk again at the holders listed now.
import type { Clock } from '../../env/ports.js';
import { RECORD_REFRESH_MS } from './constants.js';
import type { ChunkRef } from './records.js';

/** What the refresh needs of a file's record: its content tag and its inline chunk refs. */
export interface RecordView {
  etag: string;
  chunks: readonly ChunkRef[];
}

export class FreshRecord {
  private last: { atMs: number; rec: Promise<RecordView | undefined> } | undefined;

  constructor(
    private readonly clock: Clock,
    /** The record the read started from. */
    private readonly read: RecordView,
    /** Ask the sKeeper for the record now (undefined when the file is gone). */
    private readonly fetch: () => Promise<RecordView | undefined>,
  ) {}

  /** Chunk i's ref with its current holders first, or undefined when nothing new is known. */
  async ref(i: number): Promise<ChunkRef | undefined> {
    const now = this.clock.now();
    if (!this.last || now - this.last.atMs > RECORD_REFRESH_MS) {
      this.last = { atMs: now, rec: this.fetch().catch(() => undefined) };
    }
    const rec = await this.last.rec;
    // Another version (or a large file, whose refs live in index chunks): nothing to retry with.
    const fresh = rec && rec.etag === this.read.etag ? rec.chunks[i] : undefined;
    const old = this.read.chunks[i];
    if (!fresh || !old || fresh.id !== old.id) return undefined;
    const added = fresh.holders.filter((h) => !old.holders.includes(h));
    if (added.length === 0) return undefined;
    return { id: old.id, holders: [...added, ...old.holders] };
  }
}
