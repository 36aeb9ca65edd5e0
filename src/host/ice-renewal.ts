// A peer's STUN/TURN servers, as the rendezvous server hands them out: applied to the Net for new
// connection attempts, and renewed at half their credentials' life while the server is reachable.
// With the server down the peer keeps the last ones; relays keep working while those last.
import type { Clock, TimerHandle } from '../env/ports.js';
import type { IceConfig, IceServer } from '../services/signal/rendezvous.js';

/** Never renew more often than this, whatever the server says (a bad clock or a tiny TTL). */
const MIN_RENEW_MS = 30_000;

export class IceRenewal {
  private timer: TimerHandle | null = null;
  private ask: (() => void) | null = null;
  /** When the credentials in use expire (ms since the epoch), if they do. */
  expiresMs: number | null = null;
  renewals = 0;

  constructor(
    private readonly clock: Clock,
    private readonly apply: (servers: readonly IceServer[]) => void,
    private readonly enabled: boolean,
  ) {}

  /** Servers from a (re)connected rendezvous server, and how to ask it for fresh ones. */
  start(ice: IceConfig, ask: () => void): void {
    this.ask = ask;
    this.update(ice);
  }

  update(ice: IceConfig): void {
    if (!this.enabled) return;
    this.apply(ice.servers);
    this.expiresMs = ice.expiresMs ?? null;
    this.schedule();
  }

  /** The server is gone (or the peer is closing): no renewal until it is back. */
  pause(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
    this.ask = null;
  }

  private schedule(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
    if (this.expiresMs === null || !this.ask) return;
    const inMs = Math.max(MIN_RENEW_MS, (this.expiresMs - Date.now()) / 2);
    this.timer = this.clock.setTimer(inMs, () => {
      this.timer = null;
      this.renewals++;
      this.ask?.();
    });
  }
}
