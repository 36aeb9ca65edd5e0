// Neighbours that failed are remembered for a while and probed one per stabilize period. When a
// partition splits the ring, each side closes into a ring of its own; once the partition heals,
// reaching a remembered peer that falls between us and our successor merges the rings again.
import { inInterval, type PeerId } from '../core/id.js';
import { LOST_PEER_ENTRIES, LOST_PEER_FORGET_MS } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import type { Neighbours } from './neighbours.js';
import type { Stabilizer } from './stabilize.js';

export type LostPeersContext = Pick<RingContext, 'clock' | 'state'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'isConnecting' | 'connect'>;
  readonly neighbours: Pick<Neighbours, 'applySuccessors'>;
  readonly stabilizer: Pick<Stabilizer, 'stabilize'>;
};

export class LostPeers {
  /** Made on the first peer remembered (most peers lose no neighbour). */
  private lost: Map<PeerId, number> | null = null;
  /** Of those, the ones that failed (not closed on us while alive), and when. */
  private failedAt: Map<PeerId, number> | null = null;

  constructor(private readonly ctx: LostPeersContext) {}

  remember(p: PeerId, failed: boolean): void {
    const now = this.ctx.clock.now();
    const lost = (this.lost ??= new Map());
    lost.delete(p);
    lost.set(p, now);
    if (failed) (this.failedAt ??= new Map()).set(p, now);
    else this.failedAt?.delete(p);
    if (lost.size > LOST_PEER_ENTRIES) this.drop(lost.keys().next().value as PeerId);
  }

  private drop(p: PeerId): void {
    this.lost?.delete(p);
    this.failedAt?.delete(p);
  }

  /** Did p fail within the last `ms`? */
  failedWithin(p: PeerId, ms: number): boolean {
    const at = this.failedAt?.get(p);
    return at !== undefined && this.ctx.clock.now() - at <= ms;
  }

  /** Try to reach the oldest remembered peer again (one connection attempt per call). */
  probe(): void {
    const lost = this.lost;
    if (lost === null) return;
    const now = this.ctx.clock.now();
    for (const [p, at] of lost) {
      lost.delete(p);
      if (now - at > LOST_PEER_FORGET_MS) {
        this.failedAt?.delete(p);
        continue;
      }
      lost.set(p, at); // back of the queue, so every remembered peer gets its turn
      if (!this.ctx.mux.isLinked(p) && !this.ctx.mux.isConnecting(p)) this.ctx.mux.connect(p);
      return;
    }
  }

  /** A remembered peer is reachable again; adopt it as successor if it is a closer one. */
  recovered(p: PeerId): boolean {
    if (this.lost?.has(p) !== true) return false;
    this.drop(p);
    const s = this.ctx.state;
    const succ = s.succs[0];
    if (succ !== undefined && !inInterval(s.id(p), s.selfId, s.id(succ))) return false;
    this.ctx.neighbours.applySuccessors([p, ...s.succs]);
    this.ctx.stabilizer.stabilize(0);
    return true;
  }
}
