// Copies of other owners' structures that this peer keeps as one of their successors, and the
// rule that decides whether an incoming copy may replace the one held. A copy of a different
// lineage (owner and random epoch) is accepted only if its token is higher and it knows every lease
// the held copy still counts, so a stale, restarted or racing owner cannot make its successors
// forget leases or reuse tokens: it gets the held copy back and must absorb it first.
import type { PeerId } from '../../core/id.js';
import { CLOCK_DRIFT_FRACTION, MAX_REPLICAS } from './constants.js';
import type { Snapshot } from './messages.js';

interface ReplicaRec {
  snap: Snapshot;
  from: PeerId;
  receivedAtMs: number;
}

export type Offer = { kind: 'ack' } | { kind: 'conflict'; snap: Snapshot };

export class ReplicaStore {
  private readonly recs = new Map<string, ReplicaRec>();
  /** Copies dropped because the store was full. */
  evicted = 0;

  get size(): number {
    return this.recs.size;
  }

  names(): string[] {
    return [...this.recs.keys()];
  }

  /** Offer a copy received at nowMs; store it or say which held copy it contradicts. */
  offer(snap: Snapshot, from: PeerId, nowMs: number): Offer {
    const rec = this.recs.get(snap.name);
    if (rec && (rec.snap.owner !== snap.owner || rec.snap.epoch !== snap.epoch)) {
      const held = this.get(snap.name, nowMs)!;
      // By identity, not token: two lineages can issue the same token to different requests.
      const id = (l: { token: number; holder: string; reqId: number }): string => `${l.token}/${l.holder}/${l.reqId}`;
      const known = new Set(snap.leases.map(id));
      const covers = held.leases.every((l) => l.remainingMs <= 0 || known.has(id(l)));
      if (snap.token <= held.token || !covers) return { kind: 'conflict', snap: held };
    } else if (rec && snap.version <= rec.snap.version) {
      // Same lineage, and we already hold this version or a newer one.
      return { kind: 'ack' };
    }
    this.put(snap, from, nowMs);
    return { kind: 'ack' };
  }

  put(snap: Snapshot, from: PeerId, nowMs: number): void {
    this.recs.delete(snap.name);
    this.recs.set(snap.name, { snap, from, receivedAtMs: nowMs });
    while (this.recs.size > MAX_REPLICAS) {
      const oldest = this.recs.keys().next().value as string;
      this.recs.delete(oldest);
      this.evicted++;
    }
  }

  /** The held copy with its durations counted down to nowMs (conservatively: elapsed is shaved for drift). */
  get(name: string, nowMs: number): Snapshot | undefined {
    const rec = this.recs.get(name);
    if (!rec) return undefined;
    const elapsed = Math.floor((nowMs - rec.receivedAtMs) * (1 - CLOCK_DRIFT_FRACTION));
    const left = (ms: number): number => Math.max(0, ms - elapsed);
    const s = rec.snap;
    return {
      ...s,
      blockedRemainingMs: left(s.blockedRemainingMs),
      leases: s.leases.map((l) => ({ ...l, remainingMs: left(l.remainingMs) })),
      waiters: s.waiters.filter((w) => w.waitRemainingMs > elapsed).map((w) => ({ ...w, waitRemainingMs: left(w.waitRemainingMs) })),
    };
  }

  take(name: string, nowMs: number): Snapshot | undefined {
    const s = this.get(name, nowMs);
    this.recs.delete(name);
    return s;
  }
}
