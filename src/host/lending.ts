// What a volunteer lends and on what terms: its limits (storage quota, sandboxes, the share of time
// it takes tasks, only while its tab is hidden, only while charging, paused) applied to its running peer at once, and
// the figures of what it gave. Platform-neutral: the volunteer page (src/web) feeds it the tab's
// visibility and keeps the limits in localStorage; a Node volunteer could drive it the same way.
import type { RunningPeer } from './start-peer.js';
import type { SandboxPool } from '../services/jobs/sandbox/pool.js';
import type { ShedResult } from '../services/storage/shed.js';

export interface LendingLimits {
  /** Bytes of storage lent. */
  quotaBytes: number;
  /** Web Workers (sandboxes) tasks may run in at once. */
  workers: number;
  /** Share of each duty period, in percent, during which new tasks are taken (running ones finish). */
  dutyPct: number;
  /** Take tasks only while the tab is hidden (the volunteer is not looking at it). */
  onlyWhenHidden: boolean;
  /** Lend nothing while the device runs on battery (where the platform tells; see setCharging). */
  onlyWhenCharging: boolean;
  /** Lend nothing: no task taken, no chunk taken or served. */
  paused: boolean;
}

export interface LendingFigures {
  joined: boolean;
  links: number;
  /** Whether tasks are taken right now, and why not when not. */
  takingTasks: boolean;
  why: 'paused' | 'discharging' | 'visible' | 'duty' | null;
  /** Whether the device is charging: null when the platform does not tell. */
  charging: boolean | null;
  storedBytes: number;
  quotaBytes: number;
  chunksHeld: number;
  bytesServed: number;
  tasksRun: number;
  tasksRunning: number;
  taskMs: number;
  uptimeMs: number;
  /** Chunks moved away when the quota was lowered below what was held, since the start. */
  movedChunks: number;
}

/** Length of one duty period: short enough that a 50% share looks like half, long enough to take a few tasks. */
export const DUTY_PERIOD_MS = 10_000;
export const MIN_DUTY_PCT = 10;

export class Lending {
  private limits: LendingLimits;
  private hidden = false;
  private charging: boolean | null = null;
  private dutyOn = true;
  private dutyTimer: ReturnType<typeof setTimeout> | null = null;
  private movedChunks = 0;
  private chunksHeld = 0;
  /** Bytes held when the chunks were last counted: while it stays the same, so does the count. */
  private countedAtBytes = -1;

  constructor(private readonly running: RunningPeer, private readonly sandboxes: SandboxPool | null, limits: LendingLimits) {
    this.limits = { ...limits };
  }

  get current(): LendingLimits {
    return { ...this.limits };
  }

  /**
   * Take new limits at once. A storage quota below what is held resolves once the surplus has been
   * moved to other peers (or no peer would take more): what it moved is returned.
   */
  async apply(limits: LendingLimits): Promise<ShedResult | null> {
    const before = this.limits;
    this.limits = { ...limits, dutyPct: Math.min(100, Math.max(MIN_DUTY_PCT, limits.dutyPct)) };
    if (this.sandboxes && limits.workers !== this.sandboxes.size) this.sandboxes.resize(limits.workers);
    if (this.limits.dutyPct !== before.dutyPct || this.dutyTimer === null) this.restartDuty();
    this.update();
    const storage = this.running.peer.storage;
    if (!storage || limits.quotaBytes === storage.holder.store.quotaBytes) return null;
    const r = await storage.setQuota(limits.quotaBytes);
    this.movedChunks += r.movedChunks;
    return r;
  }

  /** The tab became hidden or visible (Page Visibility). */
  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    this.update();
  }

  /**
   * The device started or stopped charging (Battery Status), or null when the platform does not
   * tell: then "only while charging" cannot be honoured and lending goes on.
   */
  setCharging(charging: boolean | null): void {
    this.charging = charging;
    this.update();
  }

  /**
   * Count the chunks held (a store scan, bounded): asked now and then by the page, not every frame.
   * Every chunk taken or dropped changes the bytes held, so while those stay the same the scan is
   * skipped: in an idle tab it was the largest share of the main thread's work.
   */
  async countChunks(max = 100_000): Promise<number> {
    const s = this.running.peer.storage;
    if (!s) return (this.chunksHeld = 0);
    const used = s.holder.store.used;
    if (used === this.countedAtBytes) return this.chunksHeld;
    this.chunksHeld = (await s.holder.store.ids(max)).length;
    this.countedAtBytes = used;
    return this.chunksHeld;
  }

  figures(): LendingFigures {
    const p = this.running.peer;
    const st = p.status();
    const holder = p.storage?.holder;
    const w = p.jobs?.worker?.counters;
    const why = this.why();
    return {
      joined: st.joined, links: st.links, takingTasks: why === null, why, charging: this.charging,
      storedBytes: holder?.store.used ?? 0, quotaBytes: holder?.store.quotaBytes ?? 0, chunksHeld: this.chunksHeld,
      bytesServed: holder?.counters.bytesServed ?? 0,
      tasksRun: w?.tasksRun ?? 0, tasksRunning: w?.running ?? 0, taskMs: w?.busyMs ?? 0,
      uptimeMs: Date.now() - this.running.startedMs, movedChunks: this.movedChunks,
    };
  }

  close(): void {
    if (this.dutyTimer !== null) clearTimeout(this.dutyTimer);
    this.dutyTimer = null;
  }

  private why(): LendingFigures['why'] {
    if (this.limits.paused) return 'paused';
    if (this.onBattery()) return 'discharging';
    if (this.limits.onlyWhenHidden && !this.hidden) return 'visible';
    if (!this.dutyOn) return 'duty';
    return null;
  }

  private onBattery(): boolean {
    return this.limits.onlyWhenCharging && this.charging === false;
  }

  private update(): void {
    const p = this.running.peer;
    // On battery the whole lending pauses, storage too: serving chunks keeps the radio busy.
    p.storage?.setPaused(this.limits.paused || this.onBattery());
    p.jobs?.worker?.setPaused(this.why() !== null);
  }

  /** Alternate taking tasks (dutyPct of each period) and not (the rest); at 100% always take them. */
  private restartDuty(): void {
    if (this.dutyTimer !== null) clearTimeout(this.dutyTimer);
    this.dutyTimer = null;
    this.dutyOn = true;
    if (this.limits.dutyPct >= 100) return;
    const step = () => {
      this.dutyOn = !this.dutyOn;
      this.update();
      const share = this.dutyOn ? this.limits.dutyPct : 100 - this.limits.dutyPct;
      this.dutyTimer = setTimeout(step, (DUTY_PERIOD_MS * share) / 100);
    };
    this.dutyTimer = setTimeout(step, (DUTY_PERIOD_MS * this.limits.dutyPct) / 100);
  }
}
