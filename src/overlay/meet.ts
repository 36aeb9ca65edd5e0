// Meeting another ring. Two rings formed apart never find each other by stabilizing: a server's
// peer that came back to a ring of its own while the volunteers' ring went on without it, a
// volunteer that started alone, a partition that outlived the lost-peer memory (lost.ts). As the
// Chord paper suggests for partitions, a peer that is told of peers that may stand elsewhere (by
// the rendezvous server, from its own memory) looks its own id up through each of them. On the
// same ring the answer is ourselves. On another ring it names our successor there and that
// successor's predecessor: the first becomes our successor if it is closer than ours, and the
// second is told that we precede its successor. Either link crosses between the rings, and
// stabilize zips them into one from there, as it does after a partition heals.
import { inInterval, type PeerId } from '../core/id.js';
import { LOST_PEER_FORGET_MS, MEET_ENTRIES, MEET_RETRY_PERIODS, MEET_TRIES, MEET_WAIT_MS } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import type { Maintenance } from './maintenance.js';
import type { Relocator } from './relocate.js';
import type { FindSuccRep } from './schemas.js';

export type MeetingsContext = Pick<RingContext, 'self' | 'config' | 'clock' | 'events' | 'state' | 'status'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'isConnecting' | 'connect'>;
  readonly relocator: Pick<Relocator, 'ask'>;
  readonly maintenance: Pick<Maintenance, 'takePlace' | 'claimPlace'>;
};

interface Met {
  /** When we were told of it: it is forgotten LOST_PEER_FORGET_MS later. */
  readonly sinceMs: number;
  /** Not asked again before this. */
  dueMs: number;
  failures: number;
}

export class Meetings {
  /** Made on the first peer met (most peers never meet one). */
  private met: Map<PeerId, Met> | null = null;
  /** The one peer being linked to or asked now, and since when. */
  private current: { peer: PeerId; sinceMs: number } | null = null;

  constructor(private readonly ctx: MeetingsContext) {}

  /** Peers that may stand on another ring: look our id up through each (one at a time, from the next period). */
  meet(peers: readonly PeerId[]): void {
    const now = this.ctx.clock.now();
    for (const p of peers) {
      if (p === this.ctx.self) continue;
      const met = (this.met ??= new Map());
      met.delete(p);
      met.set(p, { sinceMs: now, dueMs: now, failures: 0 });
      if (met.size > MEET_ENTRIES) this.drop(met.keys().next().value as PeerId);
    }
  }

  /** Peers we still mean to meet (a test and a status page read it). */
  pending(): PeerId[] {
    return this.met === null ? [] : [...this.met.keys()];
  }

  /** Once per period: give up a try that took too long, then start the next one that is due. */
  tick(): void {
    const met = this.met;
    if (met === null || this.ctx.status !== 'joined') return;
    const now = this.ctx.clock.now();
    const cur = this.current;
    if (cur !== null) {
      if (now - cur.sinceMs <= MEET_WAIT_MS) return;
      this.failed(cur.peer);
    }
    for (const [p, m] of met) {
      if (now - m.sinceMs > LOST_PEER_FORGET_MS) {
        this.drop(p);
        continue;
      }
      if (m.dueMs > now) continue;
      this.current = { peer: p, sinceMs: now };
      if (this.ctx.mux.isLinked(p)) this.ask(p);
      else if (!this.ctx.mux.isConnecting(p) && !this.ctx.mux.connect(p)) this.failed(p);
      return;
    }
  }

  /** A link came up: if it is to the peer we are meeting, ask it now. */
  linkUp(peer: PeerId): void {
    if (this.current?.peer === peer) this.ask(peer);
  }

  /** A link went down or could not be made: a try through that peer fails. */
  linkDown(peer: PeerId): void {
    if (this.current?.peer === peer && !this.ctx.mux.isLinked(peer)) this.failed(peer);
  }

  private ask(via: PeerId): void {
    this.ctx.relocator.ask(via, (rep) => {
      if (this.current?.peer !== via) return;
      if (rep === null) return this.failed(via);
      this.current = null;
      // Our own ring routes our id to us through it: the same ring, nothing to merge.
      if (rep.owner === this.ctx.self) return this.drop(via);
      this.merge(via, rep);
      const m = this.met?.get(via);
      if (m !== undefined) m.dueMs = this.ctx.clock.now() + MEET_RETRY_PERIODS * this.ctx.config.stabilizeIntervalMs;
    });
  }

  /** via's ring put our id between rep.pred and rep.owner: link across to them. */
  private merge(via: PeerId, rep: FindSuccRep): void {
    const ctx = this.ctx;
    const s = ctx.state;
    const pred = rep.pred ?? null;
    // The host learns through whom the peers of the other ring can be signaled (our own ring's
    // routes do not reach them yet) before the links to them are asked for.
    ctx.events.emit('met', { via, peers: [rep.owner, ...(pred === null ? [] : [pred]), ...rep.succs] });
    const succ = s.succs[0];
    if (succ === undefined || inInterval(s.id(rep.owner), s.selfId, s.id(succ))) ctx.maintenance.takePlace(rep.owner, rep.succs, pred);
    else ctx.maintenance.claimPlace(pred, rep.owner);
  }

  private failed(p: PeerId): void {
    if (this.current?.peer === p) this.current = null;
    const m = this.met?.get(p);
    if (m === undefined) return;
    if (++m.failures >= MEET_TRIES) return this.drop(p);
    m.dueMs = this.ctx.clock.now() + MEET_RETRY_PERIODS * this.ctx.config.stabilizeIntervalMs;
  }

  private drop(p: PeerId): void {
    this.met?.delete(p);
    if (this.current?.peer === p) this.current = null;
    if (this.met?.size === 0) this.met = null;
  }
}
