// Reads this peer has open with holders: a `read` asks a holder for several pieces of a chunk,
// which it pushes as one-way `piece` messages before its reply. A piece is accepted only if it
// matches an open read (its tag, the holder it was asked of, the chunk, an expected offset), so
// nobody can write into a reader's buffer uninvited. Bounded: a reader opens at most MAX_OPEN_READS.
import type { PeerId } from '../../core/id.js';
import type { Clock } from '../../env/ports.js';
import type { PieceMessage } from './messages.js';

/** Reads open at once per peer (read-ahead chunks plus repair, with room to spare). */
export const MAX_OPEN_READS = 256;

export interface OpenRead {
  readonly tag: number;
  /** Offsets still expected. */
  readonly missing: Set<number>;
}

interface Entry {
  from: PeerId;
  id: string;
  buf: Uint8Array;
  missing: Set<number>;
  pieceBytes: number;
  onPiece: (() => void) | undefined;
}

/** Holders whose last piece time is remembered (the oldest is forgotten first). */
export const MAX_HEARD_PEERS = 1024;

export class PieceSinks {
  private readonly open = new Map<number, Entry>();
  /** When a piece last landed from each holder: a holder streaming pieces is alive, if busy. */
  private readonly heard = new Map<PeerId, number>();
  private nextTag = 1;
  readonly counters = { piecesAccepted: 0, piecesRefused: 0 };

  /** With a clock, the sinks remember when each holder last delivered a piece (see heardFrom). */
  constructor(private readonly clock?: Clock) {}

  /** When a piece last landed from `peer` (clock time), if one did and the sinks have a clock. */
  heardFrom(peer: PeerId): number | undefined {
    return this.heard.get(peer);
  }

  /**
   * Expect the pieces at `offsets` of chunk `id` from `from`, written into buf; null when too many
   * reads are open. onPiece runs for every piece that lands (a reader's sign of life from `from`).
   */
  expect(from: PeerId, id: string, buf: Uint8Array, offsets: number[], pieceBytes: number, onPiece?: () => void): OpenRead | null {
    if (this.open.size >= MAX_OPEN_READS) return null;
    const tag = this.nextTag;
    this.nextTag = this.nextTag >= 0xffffffff ? 1 : this.nextTag + 1;
    const missing = new Set(offsets);
    this.open.set(tag, { from, id, buf, missing, pieceBytes, onPiece });
    return { tag, missing };
  }

  close(tag: number): void {
    this.open.delete(tag);
  }

  /** A piece arrived from `from`; it lands only where an open read expects exactly it. */
  accept(from: PeerId, m: PieceMessage): boolean {
    const e = this.open.get(m.tag);
    const want = e ? Math.min(e.pieceBytes, e.buf.length - m.off) : 0;
    if (!e || e.from !== from || e.id !== m.id || !e.missing.has(m.off) || m.data.length !== want) {
      this.counters.piecesRefused++;
      return false;
    }
    e.buf.set(m.data, m.off);
    e.missing.delete(m.off);
    this.counters.piecesAccepted++;
    if (this.clock) {
      this.heard.delete(from);
      if (this.heard.size >= MAX_HEARD_PEERS) this.heard.delete(this.heard.keys().next().value!);
      this.heard.set(from, this.clock.now());
    }
    e.onPiece?.();
    return true;
  }
}
