// Cutting a byte stream into fixed-size chunks without holding the file in memory: at most one
// chunk is buffered. The etag (SHA-256 of the whole file) is computed on the way through.
import { sha256Stream } from '../../core/sha256.js';
import { bytesToHex } from '../../core/id.js';

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Iterate a web ReadableStream (through its reader, which every browser has) or an iterable. */
export async function* iterateSource(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<Uint8Array>;
}

/** Running totals of a chunked stream, readable once iteration ended. */
export class ChunkTally {
  private readonly hash = sha256Stream();
  size = 0;
  update(piece: Uint8Array): void {
    this.hash.update(piece);
    this.size += piece.length;
  }
  /** The etag: hex SHA-256 of every byte seen. */
  digestHex(): string {
    return bytesToHex(this.hash.digest());
  }
}

/**
 * Yield chunks of exactly chunkBytes (the last may be shorter; an empty source yields nothing).
 * `tally` sees every byte, so the caller gets the size and the etag after the last chunk.
 */
export async function* chunkStream(source: ByteSource, chunkBytes: number, tally: ChunkTally): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(chunkBytes);
  let fill = 0;
  for await (const piece of iterateSource(source)) {
    if (!(piece instanceof Uint8Array)) throw new TypeError('a byte stream must yield Uint8Array pieces');
    tally.update(piece);
    let off = 0;
    while (off < piece.length) {
      const take = Math.min(chunkBytes - fill, piece.length - off);
      buf.set(piece.subarray(off, off + take), fill);
      fill += take;
      off += take;
      if (fill === chunkBytes) {
        yield buf;
        buf = new Uint8Array(chunkBytes);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.slice(0, fill);
}
