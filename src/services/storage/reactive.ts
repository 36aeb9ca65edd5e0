// The sKeeper's side of repair that reacts: departure notices (departures.ts) name a peer that is
// gone and the sKeeper keys of files it held chunks of. The keys this peer owns are queued, and a
// moment later (REACT_DELAY_MS, so the notices of one burst share one probe) their files are
// repaired as the periodic round would: every holder probed (the gone ones with a short timeout),
// every chunk below r re-replicated from a live copy, the new holders recorded. One batch runs at
// a time; keys past MAX_PENDING_CHECKS wait for the periodic pass.
import { idFromHex, type Id, type PeerId } from '../../core/id.js';
import type { Clock, TimerHandle } from '../../env/ports.js';
import type { RingPort } from '../../overlay/port.js';
import { HANDOFF_MS, MAX_PENDING_CHECKS, MAX_REPAIR_FILES_PER_ROUND, REACT_DELAY_MS } from './constants.js';
import type { KeeperStore } from './keeper-store.js';
import type { RequestBody, ReplyBody } from './messages.js';
import type { FileRecord } from './records.js';
import type { Repairer } from './repair.js';

export class ReactiveRepair {
  readonly counters = { noticesReceived: 0, filesChecked: 0, checksDropped: 0, checksDeferred: 0 };
  /** Keys to check, with the peers said to be gone from each. */
  private readonly pending = new Map<string, Set<PeerId>>();
  /**
   * Keys this peer owns but has no record of yet, with when the check was first deferred: a peer
   * that just took a range over gets its records from the hand-over within HANDOFF_MS, and a
   * notice that arrives first must not be lost.
   */
  private readonly deferredSince = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = true;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly repairer: Repairer,
    private readonly store: KeeperStore,
  ) {}

  start(): void {
    this.stopped = false;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
  }

  /** A departure notice: take the leading keys this peer owns, and say how many. */
  gone(b: RequestBody<'gone'>): ReplyBody<'gone'> {
    this.counters.noticesReceived++;
    this.repairer.noteGone(b.peer);
    let handled = 0;
    while (handled < b.keys.length && this.ring.owns(idFromHex(b.keys[handled]!))) handled++;
    if (this.stopped) return { ok: true, handled };
    for (const key of b.keys.slice(0, handled)) {
      let peers = this.pending.get(key);
      if (!peers) {
        if (this.pending.size >= MAX_PENDING_CHECKS) {
          this.counters.checksDropped++;
          continue;
        }
        this.pending.set(key, (peers = new Set()));
      }
      peers.add(b.peer);
    }
    this.schedule();
    return { ok: true, handled };
  }

  /** Check `key` again a moment later, until its record has had HANDOFF_MS to arrive. */
  private defer(key: string, peers: Set<PeerId>): void {
    const now = this.clock.now();
    const since = this.deferredSince.get(key) ?? now;
    if (now - since > HANDOFF_MS || this.pending.size >= MAX_PENDING_CHECKS) {
      this.deferredSince.delete(key);
      return;
    }
    this.counters.checksDeferred++;
    this.deferredSince.set(key, since);
    const known = this.pending.get(key);
    if (known) for (const p of peers) known.add(p);
    else this.pending.set(key, peers);
  }

  private schedule(): void {
    if (this.stopped || this.running || this.timer !== undefined || this.pending.size === 0) return;
    this.timer = this.clock.setTimer(REACT_DELAY_MS, () => {
      this.timer = undefined;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      const batch = [...this.pending].slice(0, MAX_REPAIR_FILES_PER_ROUND);
      for (const [key] of batch) this.pending.delete(key);
      const files: FileRecord[] = [];
      const gone = new Set<PeerId>();
      for (const [key, peers] of batch) {
        const id: Id = idFromHex(key);
        if (!this.ring.owns(id)) continue;
        const rec = await this.store.getRecord(id);
        if (!rec) {
          this.defer(key, peers);
          continue;
        }
        this.deferredSince.delete(key);
        if (rec.kind !== 'file') continue;
        // A small file's record lists its holders: one that lists none of the gone peers needs nothing.
        if (!rec.index && !rec.chunks.some((c) => c.holders.some((h) => peers.has(h)))) continue;
        files.push(rec);
        for (const p of peers) gone.add(p);
      }
      this.counters.filesChecked += files.length;
      if (files.length > 0) await this.repairer.repairFiles(files, gone);
    } catch {
      // A store closed at shutdown, a ring gone: the periodic pass remains.
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
