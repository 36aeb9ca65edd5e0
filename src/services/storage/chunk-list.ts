// A writer's list of the chunks it placed, in file order. A file of at most MAX_INLINE_CHUNKS
// chunks ends up inline in its record, as it always was; past that the refs are written out as
// index chunks of `fanout` refs each (placed with r replicas like data chunks), so a writer holds
// at most max(fanout, MAX_INLINE_CHUNKS + 1) refs whatever the file's size.
import { hashBytesToId, idToHex, type Id } from '../../core/id.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { MAX_INDEX_CHUNKS, MAX_INLINE_CHUNKS } from './constants.js';
import { encodeIndexChunk } from './index-chunks.js';
import type { ChunkRef, FileIndex, IndexRef } from './records.js';
import { placeChunk } from './replicas.js';
import type { RingPort } from '../../overlay/port.js';

export interface ChunkListResult {
  /** The data chunks when the record lists them inline; empty when `index` does. */
  chunks: ChunkRef[];
  index?: FileIndex;
  /** Data chunks in the file. */
  count: number;
}

export class ChunkList {
  private pending: ChunkRef[] = [];
  private readonly written: IndexRef[] = [];
  private count = 0;

  constructor(
    private readonly ring: RingPort,
    private readonly replicas: number,
    private readonly fanout: number,
    private readonly timeoutMs: number,
    /** The sKeeper key of the file (told to the holders of its index chunks). */
    private readonly keeper?: Id,
  ) {}

  /**
   * Append the next chunk's ref. Returns a promise only when index chunks are being written
   * (their replicas placed); a small file's list never waits.
   */
  add(ref: ChunkRef): Promise<void> | undefined {
    this.pending.push(ref);
    this.count++;
    const indexed = this.written.length > 0 || this.pending.length > MAX_INLINE_CHUNKS;
    if (!indexed || this.pending.length < this.fanout) return undefined;
    return this.flushFull();
  }

  /** The list once the last ref was added: inline (synchronously) or indexed (after the last index chunks are placed). */
  finish(): ChunkListResult | Promise<ChunkListResult> {
    if (this.written.length === 0 && this.pending.length <= MAX_INLINE_CHUNKS) return { chunks: this.pending, count: this.count };
    return (async () => {
      while (this.pending.length > 0) await this.writeIndexChunk(this.pending.splice(0, this.fanout));
      return { chunks: [], index: { fanout: this.fanout, chunks: this.written }, count: this.count };
    })();
  }

  private async flushFull(): Promise<void> {
    while (this.pending.length >= this.fanout) await this.writeIndexChunk(this.pending.splice(0, this.fanout));
  }

  private async writeIndexChunk(refs: ChunkRef[]): Promise<void> {
    if (this.written.length >= MAX_INDEX_CHUNKS) {
      throw new InvalidArgumentError(`file needs more than ${MAX_INDEX_CHUNKS} index chunks of ${this.fanout} refs; use larger chunks`);
    }
    const enc = encodeIndexChunk(refs);
    if (!enc.ok) throw enc.error;
    const id = idToHex(hashBytesToId(enc.value));
    const holders = await placeChunk(this.ring, id, enc.value, this.replicas, [], this.timeoutMs, { keeper: this.keeper });
    this.written.push({ id, holders, bytes: enc.value.length });
  }
}
