// Reading a large file's chunk list: the data chunk refs from `first` to `last`, taken from its
// index chunks in order. Each index chunk is read like a data chunk (its holders, then its
// candidate keys, verified against its id), then checked against its schema and against the
// count the record gives it; INDEX_READ_AHEAD more are fetched while one is used, so at most
// 1 + INDEX_READ_AHEAD decoded index chunks are held at once.
import { INDEX_READ_AHEAD } from './constants.js';
import { decodeIndexChunk, indexSpan } from './index-chunks.js';
import { chunkCount, type ChunkRef, type FileIndex } from './records.js';
import { readChunk, type ReadCounters, type ReadOrder } from './replicas.js';
import type { RingPort } from '../../overlay/port.js';

export interface IndexReadContext {
  ring: RingPort;
  timeoutMs: number;
  counters: ReadCounters;
  order: ReadOrder;
}

export interface IndexedFile {
  path: string;
  size: number;
  chunkBytes: number;
  index: FileIndex;
}

/** Fetch, verify and check index chunk j of a file; rejects with IndexCorruptError or ChunkUnavailableError. */
export async function fetchIndexChunk(ctx: IndexReadContext, file: IndexedFile, j: number): Promise<ChunkRef[]> {
  const ref = file.index.chunks[j]!;
  const bytes = await readChunk(ctx.ring, ref, ref.bytes, ctx.timeoutMs, ctx.counters, undefined, ctx.order);
  const refs = decodeIndexChunk(bytes, indexSpan(chunkCount(file.size, file.chunkBytes), file.index.fanout, j), file.path, ref.id);
  if (!refs.ok) throw refs.error;
  return refs.value;
}

/** The refs of data chunks first..last (inclusive) of an indexed file, in order. */
export async function* indexedRefs(ctx: IndexReadContext, file: IndexedFile, first: number, last: number): AsyncGenerator<ChunkRef> {
  const fanout = file.index.fanout;
  const lastIndex = Math.floor(last / fanout);
  let next = Math.floor(first / fanout);
  const ahead: Array<Promise<ChunkRef[]>> = [];
  const launch = () => {
    if (next > lastIndex) return;
    const p = fetchIndexChunk(ctx, file, next++);
    // Awaited in order below; a reader that stops early must not leave unhandled rejections.
    p.catch(() => undefined);
    ahead.push(p);
  };
  for (let k = 0; k <= INDEX_READ_AHEAD; k++) launch();
  while (ahead.length > 0) {
    const j = next - ahead.length;
    const refs = await ahead.shift()!;
    launch();
    const from = Math.max(first - j * fanout, 0);
    const to = Math.min(last - j * fanout, refs.length - 1);
    for (let i = from; i <= to; i++) yield refs[i]!;
  }
}
