// The peer sample (Cyclon's view): a bounded list of peer ids with ages. Pure data, no I/O: the
// sampling protocol (sampling.ts) decides when to shuffle; this file decides what a shuffle sends
// and how what comes back is merged.
import type { PeerId } from '../core/id.js';
import type { Rng } from '../env/ports.js';
import { MAX_AGE } from './constants.js';

export interface ViewEntry {
  peer: PeerId;
  /** Shuffle periods since the entry was made by the peer it names. */
  age: number;
}

export class PeerView {
  private entries: ViewEntry[] = [];

  constructor(
    readonly self: PeerId,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  peers(): PeerId[] {
    return this.entries.map((e) => e.peer);
  }

  list(): readonly ViewEntry[] {
    return this.entries;
  }

  has(peer: PeerId): boolean {
    return this.entries.some((e) => e.peer === peer);
  }

  /** A uniformly random member, or undefined when the view is empty. */
  random(rng: Rng): PeerId | undefined {
    return this.entries.length === 0 ? undefined : this.entries[rng.int(this.entries.length)]!.peer;
  }

  /** Add peers we learn of outside shuffles (ring neighbours) while there is room. */
  seed(peers: readonly PeerId[]): void {
    for (const p of peers) if (this.entries.length < this.capacity && p !== this.self && !this.has(p)) this.entries.push({ peer: p, age: 0 });
  }

  remove(peer: PeerId): void {
    this.entries = this.entries.filter((e) => e.peer !== peer);
  }

  /** One period passed: every entry is a period older. */
  age(): void {
    for (const e of this.entries) e.age = Math.min(MAX_AGE, e.age + 1);
  }

  /** Take the oldest entry out of the view: the partner of the next shuffle (Cyclon). */
  takeOldest(): ViewEntry | undefined {
    if (this.entries.length === 0) return undefined;
    let at = 0;
    for (let i = 1; i < this.entries.length; i++) if (this.entries[i]!.age > this.entries[at]!.age) at = i;
    return this.entries.splice(at, 1)[0];
  }

  /** Up to n distinct random entries (copies), excluding one peer. */
  sample(rng: Rng, n: number, except?: PeerId): ViewEntry[] {
    const pool = this.entries.filter((e) => e.peer !== except);
    for (let i = 0; i < Math.min(n, pool.length); i++) {
      const j = i + rng.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, n).map((e) => ({ ...e }));
  }

  /**
   * Merge entries a partner sent (Cyclon): skip ourselves and peers we hold (keeping the younger
   * age), fill empty slots, then replace the entries we sent that partner, which now sit in its
   * view instead of ours. What cannot be placed is dropped.
   */
  merge(received: readonly ViewEntry[], sent: readonly ViewEntry[]): void {
    const replaceable = sent.map((e) => e.peer).filter((p) => this.has(p));
    for (const r of received) {
      if (r.peer === this.self) continue;
      const held = this.entries.find((e) => e.peer === r.peer);
      if (held) {
        held.age = Math.min(held.age, r.age);
        continue;
      }
      if (this.entries.length < this.capacity) {
        this.entries.push({ peer: r.peer, age: r.age });
        continue;
      }
      const out = replaceable.shift();
      if (out === undefined) break;
      const at = this.entries.findIndex((e) => e.peer === out);
      this.entries[at] = { peer: r.peer, age: r.age };
    }
  }
}
