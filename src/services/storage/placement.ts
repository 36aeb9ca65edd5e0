// Where replicas go. Replica candidates of a chunk are the owners of hash(i ‖ chunkId) for
// i = 0, 1, …: independent points on the ring, so one file's chunks spread over many peers and
// the loss of one peer touches few replicas of any file.
import { hashBytesToId, idFromHex, idToBytes, type Id } from '../../core/id.js';
import { MAX_CANDIDATES } from './constants.js';

/** The ring key of candidate `index` for a chunk. */
export function candidateKey(index: number, chunkId: string): Id {
  const buf = new Uint8Array(21);
  buf[0] = index & 0xff;
  buf.set(idToBytes(idFromHex(chunkId)), 1);
  return hashBytesToId(buf);
}

/** All candidate keys of a chunk, in the order placement tries them. */
export function candidateKeys(chunkId: string, count = MAX_CANDIDATES): Id[] {
  const out: Id[] = [];
  for (let i = 0; i < count; i++) out.push(candidateKey(i, chunkId));
  return out;
}
