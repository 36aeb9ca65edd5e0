// Bounds on uploads, so a client cannot hold the gateway's sockets and memory with bodies that
// never arrive: an upload whose body stops arriving for `idleMs` is ended (408, its connection
// closed, nothing committed, so the old version stays), and each user has at most `perUser`
// uploads in flight (more are refused at once with 429 before any body is read).
import { HttpError } from './errors.js';

/** How long a body may stop arriving before the upload is ended (ms). */
export const DEFAULT_UPLOAD_IDLE_MS = 30_000;
/** Uploads one user may have in flight at once. */
export const DEFAULT_UPLOADS_PER_USER = 4;
/** What a refused client is told to wait before trying again (s). */
const RETRY_AFTER_S = 1;

/** Counts the uploads in flight per user; the map holds only users with one in flight. */
export class UploadSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly perUser: number) {}

  /** Take a slot for `user`, or refuse with 429; the returned function gives it back (once). */
  acquire(user: string): () => void {
    const n = this.inFlight.get(user) ?? 0;
    if (n >= this.perUser) {
      throw new HttpError(429, 'TooManyRequests', `user ${user} already has ${n} uploads in progress (at most ${this.perUser} at once): wait for one to finish, then retry`, { 'retry-after': String(RETRY_AFTER_S) });
    }
    this.inFlight.set(user, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(user) ?? 1) - 1;
      if (left > 0) this.inFlight.set(user, left);
      else this.inFlight.delete(user);
    };
  }
}

/**
 * The body's pieces, each of which must arrive within `idleMs` of asking for it; otherwise the
 * iteration fails with 408. The source is left pending (not destroyed): the error answer goes out
 * with `connection: close`, which ends the socket and, with it, the source.
 */
export async function* withIdleDeadline(body: AsyncIterable<Uint8Array>, idleMs: number): AsyncIterable<Uint8Array> {
  const source = body[Symbol.asyncIterator]();
  let received = 0;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), idleMs)));
    const next = source.next();
    try {
      const got = await Promise.race([next, stalled]);
      if (got === 'stalled') {
        // The pending read fails when the socket closes; nothing waits for it any more.
        next.catch(() => undefined);
        throw new HttpError(408, 'RequestTimeout', `the body stopped arriving for ${idleMs} ms after ${received} bytes: the upload is discarded`);
      }
      if (got.done) return;
      received += got.value.length;
      yield got.value;
    } finally {
      clearTimeout(timer);
    }
  }
}
