// A token bucket: `ratePerSec` tokens a second, at most `burst` saved up. One per connection
// bounds how fast a client may send, whatever it sends.
import type { Clock } from '../env/ports.js';

export class TokenBucket {
  private tokens: number;
  private atMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.atMs = clock.now();
  }

  take(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.atMs) / 1000) * this.ratePerSec);
    this.atMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
