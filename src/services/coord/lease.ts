// A lease as its holder sees it. It renews itself before its local end while held; if a renewal
// does not come back in time the lease is lost at its local end and the holder must stop.
import type { Clock, TimerHandle } from '../../env/ports.js';
import { RELEASE_ATTEMPTS } from './constants.js';

export interface LeaseHost {
  readonly clock: Clock;
  renewAtMs(startMs: number, endMs: number): number;
  renew(name: string, token: number): Promise<number | undefined>;
  sendRelease(name: string, token: number, attempts: number): Promise<void>;
}

export type LeaseStatus = 'held' | 'released' | 'lost';

export class CoordLease {
  private status_: LeaseStatus = 'held';
  private endMs_: number;
  private readonly startMs: number;
  private expiryTimer: TimerHandle | undefined;
  private renewTimer: TimerHandle | undefined;
  private readonly lostListeners: Array<() => void> = [];

  constructor(
    private readonly host: LeaseHost,
    readonly name: string,
    /** Fencing token: pass it to the guarded server, which refuses tokens older than one it saw. */
    readonly token: number,
    endMs: number,
  ) {
    this.startMs = host.clock.now();
    this.endMs_ = endMs;
    this.arm();
  }

  get status(): LeaseStatus {
    return this.status_;
  }

  /** Local clock time the lease ends unless renewed first. */
  get validUntilMs(): number {
    return this.endMs_;
  }

  /** May the holder use the resource right now? */
  isValid(): boolean {
    return this.status_ === 'held' && this.host.clock.now() < this.endMs_;
  }

  /** Called once if the lease ends without a release (a renewal failed). */
  onLost(fn: () => void): void {
    this.lostListeners.push(fn);
  }

  /** Stop using the resource now and tell the owner (best effort: the lease expires anyway). */
  release(): Promise<void> {
    if (this.status_ !== 'held') return Promise.resolve();
    this.status_ = 'released';
    this.disarm();
    return this.host.sendRelease(this.name, this.token, RELEASE_ATTEMPTS);
  }

  private arm(): void {
    const clock = this.host.clock;
    this.disarm();
    this.expiryTimer = clock.setTimer(Math.max(0, this.endMs_ - clock.now()), () => this.expire());
    this.renewTimer = clock.setTimer(Math.max(0, this.host.renewAtMs(this.startMs, this.endMs_) - clock.now()), () => void this.renewNow());
  }

  private disarm(): void {
    if (this.expiryTimer !== undefined) this.host.clock.cancel(this.expiryTimer);
    if (this.renewTimer !== undefined) this.host.clock.cancel(this.renewTimer);
    this.expiryTimer = this.renewTimer = undefined;
  }

  private async renewNow(): Promise<void> {
    this.renewTimer = undefined;
    if (this.status_ !== 'held') return;
    const end = await this.host.renew(this.name, this.token);
    if (this.status_ !== 'held') return;
    const now = this.host.clock.now();
    if (end !== undefined && end > this.endMs_ && now < this.endMs_) {
      this.endMs_ = end;
      this.arm();
    } else if (now < this.endMs_ && end === undefined && this.endMs_ - now > 50) {
      // The owner may be moving: one more try before the lease runs out on its own.
      this.renewTimer = this.host.clock.setTimer(Math.min(250, (this.endMs_ - now) / 2), () => void this.renewNow());
    }
  }

  private expire(): void {
    this.expiryTimer = undefined;
    if (this.status_ !== 'held') return;
    this.status_ = 'lost';
    this.disarm();
    void this.host.sendRelease(this.name, this.token, 1);
    for (const fn of this.lostListeners) fn();
  }
}
