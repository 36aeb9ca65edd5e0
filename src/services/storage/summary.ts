// A holder's summary: the sKeeper keys of the files whose chunks it holds, kept in its store and
// pushed to its first SUMMARY_SUCCESSORS successors. When the holder departs, the successor that
// notices tells those sKeepers at once (departures.ts), so they re-replicate before the next
// periodic pass. New keys are pushed a moment after they are learned (debounced), the whole
// summary to a successor that is new to us, and again every repair period to both.
import type { PeerId } from '../../core/id.js';
import type { Clock, Rng, TimerHandle } from '../../env/ports.js';
import type { RingPort } from '../../overlay/port.js';
import { MAX_SUMMARY_FRAME_KEYS, MAX_SUMMARY_KEYS, SUMMARY_DEBOUNCE_MS, SUMMARY_SUCCESSORS } from './constants.js';
import type { HolderStore } from './holder-store.js';
import { pool } from '../../core/pool.js';
import { call } from './rpc.js';

export class HolderSummary {
  readonly counters = { summaryPushes: 0, summaryKeysDropped: 0 };
  /** The keys, oldest first (a key noted again moves to the end); loaded from the store once. */
  private keys: Map<string, true> | null = null;
  private loading: Promise<Map<string, true>> | null = null;
  /** Keys learned since the last push. */
  private fresh = new Set<string>();
  /** The successors the last push reached with the whole summary. */
  private pushedTo: PeerId[] = [];
  private pushTimer: TimerHandle | undefined;
  private periodTimer: TimerHandle | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = true;
  private offs: Array<() => void> = [];

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly store: HolderStore,
    private readonly periodMs: number,
    private readonly timeoutMs: number,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.offs.push(this.ring.events.on('successors-changed', () => this.schedule()));
    const tick = (): void => {
      this.periodTimer = this.clock.setTimer(this.periodMs, tick);
      this.flush(true);
    };
    this.periodTimer = this.clock.setTimer(this.rng.int(this.periodMs), tick);
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
    for (const t of [this.pushTimer, this.periodTimer]) if (t !== undefined) this.clock.cancel(t);
    this.pushTimer = this.periodTimer = undefined;
  }

  /** A chunk of the file at sKeeper key `key` is held here now. */
  note(key: string): void {
    void this.load().then(async (keys) => {
      if (keys.has(key)) {
        keys.delete(key);
        keys.set(key, true);
        return;
      }
      if (keys.size >= MAX_SUMMARY_KEYS) {
        const oldest = keys.keys().next().value!;
        keys.delete(oldest);
        this.counters.summaryKeysDropped++;
        await this.store.delKeeper(oldest);
      }
      keys.set(key, true);
      this.fresh.add(key);
      await this.store.addKeeper(key);
      this.schedule();
    }).catch(() => undefined);
  }

  /** The keys held now (for tests and diagnostics). */
  async list(): Promise<string[]> {
    return [...(await this.load()).keys()];
  }

  private load(): Promise<Map<string, true>> {
    if (this.keys) return Promise.resolve(this.keys);
    this.loading ??= this.store.keepers(MAX_SUMMARY_KEYS).then((ks) => (this.keys = new Map(ks.map((k) => [k, true] as const))));
    return this.loading;
  }

  private schedule(): void {
    if (this.stopped || this.pushTimer !== undefined) return;
    this.pushTimer = this.clock.setTimer(SUMMARY_DEBOUNCE_MS, () => {
      this.pushTimer = undefined;
      this.flush(false);
    });
  }

  /** Push what the successors lack (or, `whole`, everything); pushes run one after the other. */
  private flush(whole: boolean): void {
    this.flushing = this.flushing.then(() => this.push(whole)).catch(() => undefined);
  }

  private async push(whole: boolean): Promise<void> {
    if (this.stopped) return;
    const keys = await this.load();
    const fresh = this.fresh;
    this.fresh = new Set();
    const targets = this.ring.successors().filter((p) => p !== this.ring.self).slice(0, SUMMARY_SUCCESSORS);
    const before = this.pushedTo;
    this.pushedTo = targets;
    // A peer that holds nothing has nothing to protect.
    if (keys.size === 0) return;
    await pool(targets, SUMMARY_SUCCESSORS, async (peer) => {
      const all = whole || !before.includes(peer);
      const list = all ? [...keys.keys()] : [...fresh].filter((k) => keys.has(k));
      for (let i = 0; i < list.length; i += MAX_SUMMARY_FRAME_KEYS) {
        this.counters.summaryPushes++;
        const body = { reset: all && i === 0, keys: list.slice(i, i + MAX_SUMMARY_FRAME_KEYS) };
        await call(this.ring, { peer }, 'summary', body, this.timeoutMs).catch(() => undefined);
      }
    });
  }
}

