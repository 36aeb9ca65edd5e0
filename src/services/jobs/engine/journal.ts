// One job's journal as a peer holds it (the keeper or a replica): the state its entries build, a
// snapshot of that state, and the entries since. `append` applies an entry only if the state
// accepts it, so keeper and replicas refuse the same entries for the same reasons.
//
// Compaction: once JOURNAL_COMPACT_ENTRIES entries follow the base snapshot, the journal encodes
// its state as a new snapshot. That snapshot becomes the base (and the entries before it are
// dropped) only once every replica is known to hold entries past it (`acted`, the keeper's
// replication floor, which the keeper sends with each run): entries no replica may lack are never
// cut back by a new keeper (replica.ts), so a base never holds an entry a truncation would remove.
import { JOURNAL_COMPACT_ENTRIES } from './constants.js';
import type { Entry } from './schemas.js';
import { decodeSnapshot, SnapshotEncoder } from './snapshot.js';
import { JobState, type Refusal } from './state.js';

/** The state as of entry `seq`, encoded; seq 0 without bytes is the empty journal. */
export interface Snapshot {
  seq: number;
  bytes: Uint8Array | undefined;
}

export class Journal {
  state = new JobState();
  /** The snapshot the held entries follow. */
  base: Snapshot = { seq: 0, bytes: undefined };
  /** Entries from base.seq on. */
  entries: Entry[] = [];
  /** Entries before this sequence number are held by every replica: never cut back. */
  acted = 0;
  /** A snapshot taken since the base, waiting for `acted` to pass it. */
  private next: Snapshot | undefined;
  private readonly encoder = new SnapshotEncoder();

  constructor(
    readonly jobId: string,
    private readonly compactEntries = JOURNAL_COMPACT_ENTRIES,
  ) {}

  /** The next entry's sequence number. */
  get seq(): number {
    return this.base.seq + this.entries.length;
  }

  /** The first entry held. */
  get first(): number {
    return this.base.seq;
  }

  /** The entry numbered seq, if held. */
  entry(seq: number): Entry | undefined {
    return seq >= this.base.seq ? this.entries[seq - this.base.seq] : undefined;
  }

  /** Apply and hold an entry, or say why it cannot follow the ones held. */
  append(e: Entry): Refusal | null {
    const r = this.state.refusal(e);
    if (r !== null) return r;
    this.state.apply(e);
    this.entries.push(e);
    if (this.next === undefined && this.entries.length >= this.compactEntries) {
      const bytes = this.encoder.encode(this.state);
      if (bytes !== undefined) this.next = { seq: this.seq, bytes };
      this.promote();
    }
    return null;
  }

  /** Every replica holds the entries before `seq`. */
  setActed(seq: number): void {
    if (seq <= this.acted) return;
    this.acted = Math.min(seq, this.seq);
    this.promote();
  }

  /** The waiting snapshot becomes the base once no replica can lack the entries it replaces. */
  private promote(): void {
    if (this.next === undefined || this.next.seq > this.acted) return;
    this.entries.splice(0, this.next.seq - this.base.seq);
    this.base = this.next;
    this.next = undefined;
  }

  /** A journal that starts at a snapshot (a replica that lacked the entries before it), or why the bytes are none. */
  static fromSnapshot(jobId: string, seq: number, bytes: Uint8Array, compactEntries?: number): Journal | string {
    const state = decodeSnapshot(bytes);
    if (typeof state === 'string') return state;
    if (state.seq !== seq) return `snapshot of entry ${state.seq} sent as entry ${seq}`;
    const j = new Journal(jobId, compactEntries);
    j.state = state;
    j.base = { seq, bytes };
    j.acted = seq;
    return j;
  }

  /** This journal cut back to its first `seq` entries, or undefined when its base is past seq. */
  truncated(seq: number): Journal | undefined {
    if (seq < this.base.seq) return undefined;
    let j: Journal;
    if (this.base.bytes === undefined) j = new Journal(this.jobId, this.compactEntries);
    else {
      const restored = Journal.fromSnapshot(this.jobId, this.base.seq, this.base.bytes, this.compactEntries);
      if (typeof restored === 'string') return undefined;
      j = restored;
    }
    for (const e of this.entries.slice(0, seq - this.base.seq)) j.append(e);
    j.acted = Math.min(this.acted, seq);
    return j;
  }
}
