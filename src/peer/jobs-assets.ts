// The assets of sandboxed tasks (a js or wasm phase's module), fetched from storage by the worker
// before a task starts and kept by (job, path), so the second task of a job on this peer reads
// nothing: a job sees one version of each asset, whatever is written to its path meanwhile. Each
// is hashed once (SHA-256), the key under which sandboxes keep what they compiled from it.
import { errorCode } from '../core/errors.js';
import { bytesToHex } from '../core/id.js';
import { sha256 } from '../core/sha256.js';
import type { TaskAsset } from '../services/jobs/executor.js';
import type { StorageClient } from '../services/storage/client.js';

/** An asset may be at most this large (a module, not data: data is a task's input). */
export const MAX_ASSET_BYTES = 64 * 1024 * 1024;
/** Assets kept at most, and their bytes; the least recently used go first. */
const MAX_KEPT_ASSETS = 64;
const MAX_KEPT_BYTES = 256 * 1024 * 1024;

export class JobAssets {
  private readonly kept = new Map<string, TaskAsset>();
  private keptBytes = 0;
  /** Assets read from storage, and assets found kept. */
  readonly counters = { fetched: 0, reused: 0 };

  /** The assets, in order, or why one cannot be had (a path outside the user's tree, missing, too large). */
  async load(client: StorageClient, user: string, jobId: string, paths: readonly string[]): Promise<TaskAsset[] | { missing: string }> {
    const out: TaskAsset[] = [];
    for (const path of paths) {
      const a = await this.one(client, user, jobId, path);
      if (typeof a === 'string') return { missing: a };
      out.push(a);
    }
    return out;
  }

  private async one(client: StorageClient, user: string, jobId: string, path: string): Promise<TaskAsset | string> {
    const key = `${jobId}\n${path}`;
    const kept = this.kept.get(key);
    if (kept !== undefined) {
      this.kept.delete(key);
      this.kept.set(key, kept);
      this.counters.reused++;
      return kept;
    }
    if (!path.startsWith(`/${user}/`)) return `the asset ${path} is not a path of ${user}'s`;
    let s;
    try {
      s = await client.stat(path);
    } catch (e) {
      if (errorCode(e) === 'NOT_FOUND' || errorCode(e) === 'INVALID_ARGUMENT') return `the asset ${path} does not exist`;
      throw e;
    }
    if (s.kind !== 'file') return `the asset ${path} is a directory`;
    if (s.size > MAX_ASSET_BYTES) return `the asset ${path} is ${s.size} bytes, more than ${MAX_ASSET_BYTES}`;
    const bytes = new Uint8Array(s.size);
    let at = 0;
    for await (const chunk of client.read(s)) {
      bytes.set(chunk.subarray(0, s.size - at), at);
      at += chunk.length;
    }
    const asset: TaskAsset = { path, bytes, hash: bytesToHex(sha256(bytes)) };
    this.counters.fetched++;
    this.keep(key, asset);
    return asset;
  }

  private keep(key: string, asset: TaskAsset): void {
    this.kept.set(key, asset);
    this.keptBytes += asset.bytes.length;
    for (const [k, a] of this.kept) {
      if (this.kept.size <= MAX_KEPT_ASSETS && this.keptBytes <= MAX_KEPT_BYTES) break;
      if (k === key) continue;
      this.kept.delete(k);
      this.keptBytes -= a.bytes.length;
    }
  }
}
