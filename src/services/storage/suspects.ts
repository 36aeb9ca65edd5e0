// Peers a reader recently failed to read from (dead, timed out, or missing the chunk). A file's
// chunks mostly share the same few holders, so once one of them is found dead the next chunks try
// it last instead of waiting a request timeout for each chunk. Bounded, and forgotten after a while
// because a volunteer may come back.
import type { Clock } from '../../env/ports.js';
import type { PeerId } from '../../core/id.js';

/** How long a failed holder is tried last. */
export const SUSPECT_MS = 60_000;
/** Suspects remembered at most; the oldest is forgotten first. */
export const MAX_SUSPECTS = 256;

export class SuspectPeers {
  private readonly until = new Map<PeerId, number>();

  constructor(private readonly clock: Clock) {}

  add(peer: PeerId): void {
    this.until.delete(peer);
    if (this.until.size >= MAX_SUSPECTS) this.until.delete(this.until.keys().next().value!);
    this.until.set(peer, this.clock.now() + SUSPECT_MS);
  }

  has(peer: PeerId): boolean {
    const t = this.until.get(peer);
    if (t === undefined) return false;
    if (t > this.clock.now()) return true;
    this.until.delete(peer);
    return false;
  }

  /** Peers in their given order, suspects moved to the end (still tried, as a last resort). */
  order(peers: readonly PeerId[]): PeerId[] {
    return [...peers.filter((p) => !this.has(p)), ...peers.filter((p) => this.has(p))];
  }
}
