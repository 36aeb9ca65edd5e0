// Moving one chunk between peers in frame-sized pieces. The first piece finds the peer (it may be
// routed to a key); the rest go straight to that peer, at most PIECE_WINDOW at a time. The window
// is the backpressure: a slow peer slows its writer or reader, and no link queue ever holds more
// than a window of one transfer. Reads check the reassembled bytes against the chunk id, so a
// lying holder is caught here.
import { hashBytesToId, idToHex, type Id, type PeerId } from '../../core/id.js';
import { BACKPRESSURE_RETRY_MS, PIECE_BYTES, PIECE_WINDOW } from './constants.js';
import { CumulusError } from '../../core/errors.js';
import { ChunkCorruptError, RefusedError, RemoteError } from './errors.js';
import type { RingPort } from '../../overlay/port.js';
import { call, type CallResult } from './rpc.js';
import type { RequestBody } from './messages.js';
import type { Clock } from '../../env/ports.js';
import type { PieceSinks } from './sinks.js';

/** Run fn over items with at most `window` calls in flight; rejects with the first failure once all settled. */
async function windowed<T>(items: T[], window: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (next < items.length && failure === null) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, lane));
  if (failure !== null) throw failure;
}

function offsetsFrom(start: number, total: number): number[] {
  const out: number[] = [];
  for (let off = start; off < total; off += PIECE_BYTES) out.push(off);
  return out;
}
const offsetsAfterFirst = (total: number) => offsetsFrom(PIECE_BYTES, total);
const allOffsets = (total: number) => offsetsFrom(0, total);

/** How a placement steers one transfer (sendChunk). */
export interface SendControl {
  /** Runs when the target answered the first piece (it is alive and takes the chunk). */
  onFirstPiece?: () => void;
  /** Checked before each later piece: true once the placement needs this copy no more. */
  cancelled?: () => boolean;
  /**
   * With a clock, a piece our own link refuses for now (its send queue is full, or too many
   * requests are in flight) is sent again a moment later instead of failing the copy: that is our
   * backpressure, not the holder's answer, and failing on it made a burst of writes skip live
   * candidates until placement ran out of them (2 of 3 replicas).
   */
  clock?: Clock;
}

/** Our own ring or link refused to send now (a REFUSED that did not come back from the peer). */
function locallyRefused(e: unknown): boolean {
  return e instanceof CumulusError && e.code === 'REFUSED' && !(e instanceof RemoteError);
}

/** call(), sent again every BACKPRESSURE_RETRY_MS while our own link refuses it, up to timeoutMs in all. */
async function callPatiently<Op extends 'put'>(ring: RingPort, clock: Clock | undefined, target: Id | { peer: PeerId }, op: Op, body: RequestBody<Op>, timeoutMs: number): Promise<CallResult<Op>> {
  const deadline = clock === undefined ? 0 : clock.now() + timeoutMs;
  for (;;) {
    try {
      return await call(ring, target, op, body, clock === undefined ? timeoutMs : Math.max(1, deadline - clock.now()));
    } catch (e) {
      if (clock === undefined || !locallyRefused(e) || clock.now() + BACKPRESSURE_RETRY_MS >= deadline) throw e;
      await new Promise<void>((resolve) => clock.setTimer(BACKPRESSURE_RETRY_MS, resolve));
    }
  }
}

/**
 * Store a chunk at a target (a candidate key's owner or a known peer) and resolve with the peer
 * that took it. The first piece is routed; the rest go straight to the peer that answered. The
 * first piece names `keeper`, the sKeeper key of the file the chunk belongs to, when known.
 * A transfer that stops part way (a piece failed, or `ctl` cancelled it) tells the holder to drop
 * its half-assembled copy and rejects; so does one whose pieces all went but none completed the
 * chunk (the holder dropped the assembly meanwhile): the writer never counts a copy not stored.
 */
export async function sendChunk(ring: RingPort, target: Id | { peer: PeerId }, id: string, bytes: Uint8Array, timeoutMs: number, keeper?: Id, ctl: SendControl = {}): Promise<PeerId> {
  const body = { id, off: 0, total: bytes.length, data: bytes.subarray(0, PIECE_BYTES) };
  const first = await callPatiently(ring, ctl.clock, target, 'put', keeper === undefined ? body : { ...body, keeper: idToHex(keeper) }, timeoutMs);
  ctl.onFirstPiece?.();
  const holder = first.from;
  if (first.body.done) return holder;
  let done = false;
  try {
    await windowed(offsetsAfterFirst(bytes.length), PIECE_WINDOW, async (off) => {
      if (ctl.cancelled?.()) throw new CumulusError('CANCELLED', `copy of chunk ${id} to ${holder} no longer needed`);
      const data = bytes.subarray(off, Math.min(bytes.length, off + PIECE_BYTES));
      const r = await callPatiently(ring, ctl.clock, { peer: holder }, 'put', { id, off, total: bytes.length, data }, timeoutMs);
      if (r.body.done) done = true;
    });
    if (!done) throw new RefusedError(`${holder} did not complete chunk ${id}`);
  } catch (e) {
    abandon(ring, holder, id, timeoutMs);
    throw e;
  }
  return holder;
}

/** Tell a holder we stopped sending a chunk (best effort: it drops a stale assembly on its own too). */
function abandon(ring: RingPort, holder: PeerId, id: string, timeoutMs: number): void {
  call(ring, { peer: holder }, 'abandon', { id }, timeoutMs).catch(() => undefined);
}

/**
 * Ask `from` to push the pieces at `offsets` (in reads of up to PIECE_WINDOW pieces) into buf, and
 * resolve with the offsets that did not arrive. Pieces and the reply travel the same ordered path,
 * so by the time the reply is here the pieces that were sent are here too. The first read may be
 * given a shorter timeout: when it opens the transfer it is also the check that `from` is alive.
 */
async function pushedPieces(ring: RingPort, sinks: PieceSinks, from: PeerId, id: string, buf: Uint8Array, offsets: number[], timeoutMs: number, firstTimeoutMs = timeoutMs, onPiece?: () => void): Promise<number[]> {
  const left: number[] = [];
  for (let i = 0; i < offsets.length; i += PIECE_WINDOW) {
    const group = offsets.slice(i, i + PIECE_WINDOW);
    const open = sinks.expect(from, id, buf, group, PIECE_BYTES, onPiece);
    if (!open) {
      left.push(...group);
      continue;
    }
    try {
      const off = group[0]!;
      const len = Math.min(buf.length, group[group.length - 1]! + PIECE_BYTES) - off;
      const r = await call(ring, { peer: from }, 'read', { id, off, len, tag: open.tag }, i === 0 ? firstTimeoutMs : timeoutMs);
      if (r.body.total !== buf.length) throw new ChunkCorruptError(id, from);
    } finally {
      sinks.close(open.tag);
    }
    left.push(...open.missing);
  }
  return left;
}

/**
 * Read a chunk from one peer (or a key's owner) and verify it: its length must be the one the
 * metadata records and its hash must be its id. Throws ChunkCorruptError otherwise. Resolves with
 * the bytes and the peer that served them.
 */
export async function fetchChunk(
  ring: RingPort,
  target: Id | { peer: PeerId },
  id: string,
  expectedBytes: number,
  timeoutMs: number,
  firstTimeoutMs = timeoutMs,
  sinks?: PieceSinks,
  /** Runs when the first piece arrives: the holder is alive and serving. */
  onFirstPiece?: () => void,
): Promise<{ bytes: Uint8Array; from: PeerId }> {
  const buf = new Uint8Array(expectedBytes);
  let progressed = false;
  const progress = onFirstPiece
    ? () => {
        if (progressed) return;
        progressed = true;
        onFirstPiece();
      }
    : undefined;
  const piece = async (to: Id | { peer: PeerId }, off: number): Promise<PeerId> => {
    const len = Math.min(PIECE_BYTES, expectedBytes - off);
    const r = await call(ring, to, 'get', { id, off, len }, off === 0 ? firstTimeoutMs : timeoutMs);
    // A holder serves exactly the bytes asked for; anything else is a different chunk or a lie.
    if (r.body.total !== expectedBytes || r.body.data.length !== len) throw new ChunkCorruptError(id, r.from);
    buf.set(r.body.data, off);
    progress?.();
    return r.from;
  };
  let from: PeerId;
  let rest: number[];
  if (sinks && typeof target === 'object') {
    // A known holder: one `read` per window of pieces from the start, no separate first request.
    // Each request a reader sends costs it a synchronous channel send, and a round trip.
    from = target.peer;
    rest = await pushedPieces(ring, sinks, from, id, buf, allOffsets(expectedBytes), timeoutMs, firstTimeoutMs, progress);
  } else {
    // A key's owner is found by the first piece; the rest go straight to the peer that answered.
    from = await piece(target, 0);
    rest = offsetsAfterFirst(expectedBytes);
    if (sinks && rest.length > 0) rest = await pushedPieces(ring, sinks, from, id, buf, rest, timeoutMs, timeoutMs, progress);
  }
  // Per-piece requests for whatever is left (no sinks, or pieces a full link dropped).
  await windowed(rest, PIECE_WINDOW, async (off) => void (await piece({ peer: from }, off)));
  if (idToHex(hashBytesToId(buf)) !== id) throw new ChunkCorruptError(id, from);
  return { bytes: buf, from };
}
