// Moving one chunk between peers in frame-sized pieces. Writes are stop-and-wait (one piece in
// flight), which is the backpressure: a slow holder slows its writer, never queues unboundedly.
// Reads check the reassembled bytes against the chunk id, so a lying holder is caught here.
import { hashBytesToId, idToHex, type Id, type PeerId } from '../../core/id.js';
import { PIECE_BYTES } from './constants.js';
import { ChunkCorruptError } from './errors.js';
import type { RingPort } from './ring-port.js';
import { call } from './rpc.js';

/**
 * Store a chunk at a target (a candidate key's owner or a known peer) and resolve with the peer
 * that took it. The first piece is routed; the rest go straight to the peer that answered.
 */
export async function sendChunk(ring: RingPort, target: Id | { peer: PeerId }, id: string, bytes: Uint8Array, timeoutMs: number): Promise<PeerId> {
  let to: Id | { peer: PeerId } = target;
  let holder: PeerId | undefined;
  for (let off = 0; off < bytes.length; off += PIECE_BYTES) {
    const data = bytes.subarray(off, Math.min(bytes.length, off + PIECE_BYTES));
    const r = await call(ring, to, 'put', { id, off, total: bytes.length, data }, timeoutMs);
    holder ??= r.from;
    to = { peer: holder };
    if (r.body.done) break;
  }
  return holder!;
}

/**
 * Read a chunk from one peer (or a key's owner) and verify it: its length must be the one the
 * metadata records and its hash must be its id. Throws ChunkCorruptError otherwise.
 */
export async function fetchChunk(ring: RingPort, target: Id | { peer: PeerId }, id: string, expectedBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const buf = new Uint8Array(expectedBytes);
  let to: Id | { peer: PeerId } = target;
  let from = 'unknown';
  let off = 0;
  while (off < expectedBytes) {
    const r = await call(ring, to, 'get', { id, off, len: Math.min(PIECE_BYTES, expectedBytes - off) }, timeoutMs);
    from = r.from;
    to = { peer: r.from };
    if (r.body.total !== expectedBytes || r.body.data.length === 0 || off + r.body.data.length > expectedBytes) throw new ChunkCorruptError(id, from);
    buf.set(r.body.data, off);
    off += r.body.data.length;
  }
  if (idToHex(hashBytesToId(buf)) !== id) throw new ChunkCorruptError(id, from);
  return buf;
}
