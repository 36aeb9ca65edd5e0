// Per-user request counters and a bounded access log, for GET /:user/reports/. Memory is bounded
// twice: each user's log is a ring buffer, and only users the store knows are ever tracked.
import type { FileSystem, Usage } from './files.js';
import { uploadsPath } from './paths.js';

/** Entries kept per user; older ones are overwritten. */
export const ACCESS_LOG_ENTRIES = 1000;

export interface AccessLogEntry {
  timeMs: number;
  method: string;
  path: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
}

export interface RequestCounters {
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

class Ring<T> {
  private readonly items: T[] = [];
  private nextIndex = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.nextIndex] = item;
    this.nextIndex = (this.nextIndex + 1) % this.capacity;
  }

  /** Newest first, at most `limit`. */
  latest(limit: number): T[] {
    const out: T[] = [];
    const n = this.items.length;
    for (let i = 1; i <= Math.min(limit, n); i++) {
      out.push(this.items[(this.nextIndex - i + n) % n] as T);
    }
    return out;
  }
}

export class UsageTracker {
  private readonly logs = new Map<string, Ring<AccessLogEntry>>();
  private readonly counters = new Map<string, RequestCounters>();

  constructor(private readonly logEntries = ACCESS_LOG_ENTRIES) {}

  record(user: string, entry: AccessLogEntry): void {
    let log = this.logs.get(user);
    if (!log) {
      log = new Ring(this.logEntries);
      this.logs.set(user, log);
    }
    log.push(entry);
    const c = this.counters.get(user) ?? { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 };
    c.requests++;
    if (entry.status >= 400) c.errors++;
    c.bytesIn += entry.bytesIn;
    c.bytesOut += entry.bytesOut;
    this.counters.set(user, c);
  }

  countersOf(user: string): RequestCounters {
    return { ...(this.counters.get(user) ?? { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 }) };
  }

  log(user: string, limit: number): AccessLogEntry[] {
    return this.logs.get(user)?.latest(limit) ?? [];
  }
}

/**
 * What a user's files cost: the home's objects, plus the parts of their open S3 multipart uploads,
 * which are stored in the cloud as well until Complete, Abort or the sweep removes them.
 */
export async function userUsage(fs: FileSystem, user: string): Promise<Usage | undefined> {
  if (!fs.usage) return undefined;
  const home = await fs.usage(`/${user}/home`);
  const uploads = await fs.usage(uploadsPath(user));
  return {
    ...home,
    bytesStored: home.bytesStored + uploads.bytesStored,
    bytesWithReplicas: home.bytesWithReplicas + uploads.bytesWithReplicas,
    openUploadBytes: uploads.bytesStored,
  };
}
