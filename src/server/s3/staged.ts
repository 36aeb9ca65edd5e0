// The bytes each user holds in parts of open multipart uploads, counted while the uploads are open
// and bounded: parts are stored in the cloud like any file, so a user who started uploads and never
// finished them would otherwise spend the community's storage without limit (64 uploads of up to
// the object limit each). A part's bytes are taken from the user's allowance as they stream in, and
// given back when the part fails, is replaced, or is removed by Abort, Complete or the sweep. The
// first use of a user counts what is already on the ring (uploads left by an earlier run).
import { S3Error } from './errors.js';

export class StagedBytes {
  private readonly held = new Map<string, number>();
  private readonly loading = new Map<string, Promise<void>>();

  /**
   * `limitBytes` is each user's allowance; `countStored` counts a user's parts already stored.
   * Users are counted at most once per run: one number per user with an access key, whose number
   * the key store bounds (MAX_USERS).
   */
  constructor(
    readonly limitBytes: number,
    private readonly countStored: (user: string) => Promise<number>,
  ) {}

  /** The user's staged bytes, counted from storage on first use. */
  async of(user: string): Promise<number> {
    await this.load(user);
    return this.held.get(user) ?? 0;
  }

  /** Take `n` more bytes for the user, or refuse with QuotaExceeded when the allowance is spent. */
  take(user: string, n: number): void {
    const now = this.held.get(user) ?? 0;
    if (now + n > this.limitBytes) {
      throw new S3Error(403, 'QuotaExceeded', `parts of open multipart uploads may hold at most ${this.limitBytes} bytes per user (${now} held): complete or abort an upload`);
    }
    this.held.set(user, now + n);
  }

  /** Give `n` bytes back (a part failed, was replaced or was removed). */
  give(user: string, n: number): void {
    const now = this.held.get(user);
    if (now !== undefined) this.held.set(user, Math.max(0, now - n));
  }

  private load(user: string): Promise<void> {
    if (this.held.has(user)) return Promise.resolve();
    let p = this.loading.get(user);
    if (!p) {
      p = this.countStored(user).then((n) => {
        if (!this.held.has(user)) this.held.set(user, n);
      }).finally(() => this.loading.delete(user));
      this.loading.set(user, p);
    }
    return p;
  }
}
