// The sKeeper side: the metadata of the paths whose key this peer owns. Operations on one path
// run one at a time (a per-key chain), every change bumps the record's revision and is pushed
// to the next META_REPLICA_SUCCESSORS peers, which keep the same layout and so can take over.
// Pushes to one successor go one frame at a time: what changes while a frame is out leaves in the
// next one (sync-batches.ts), so a keeper busy with many small commits sends few frames.
import type { Clock } from '../../env/ports.js';
import { idToHex, type Id, type PeerId } from '../../core/id.js';
import { NotFoundError, InvalidArgumentError, CumulusError } from '../../core/errors.js';
import { HANDOFF_MS, MAX_SYNC_QUEUE, META_REPLICA_SUCCESSORS } from './constants.js';
import { takeSyncBatch } from './sync-batches.js';
import { DirectoryNotEmptyError, IsADirectoryError, NotADirectoryError, NotOwnerError, RefusedError } from './errors.js';
import type { DirEntry, KeeperStore } from './keeper-store.js';
import type { ReplyBody, RequestBody } from './messages.js';
import { baseName, normalizePath, parentOf, pathKey } from './paths.js';
import { checkRecord, newer, toWire, type FileRecord, type MetaRecord, type WireRecord } from './records.js';
import type { RingPort } from '../../overlay/port.js';
import { call } from './rpc.js';

export interface SyncItem {
  rec: WireRecord;
  entries?: DirEntry[];
  add?: DirEntry;
  remove?: string;
}

function canonical(path: string): string {
  const p = normalizePath(path);
  if (p !== path) throw new InvalidArgumentError(`path is not in normal form: ${path}`);
  return p;
}

export class Keeper {
  private readonly chains = new Map<string, Promise<unknown>>();
  readonly counters = { syncsSent: 0, syncsApplied: 0, handoffRefusals: 0, syncItemsDropped: 0 };
  /** Items waiting for each successor while a sync frame to it is out. */
  private readonly outbox = new Map<PeerId, SyncItem[]>();
  /** Until when a key this peer just took over may still have its record on the way (see record()). */
  private handoffUntilMs = 0;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    readonly store: KeeperStore,
    private readonly timeoutMs: number,
  ) {
    // A range from none: this peer joined (or got a predecessor back); the previous owner, now our
    // successor, pushes the records of our keys to us a moment later (repair.ts, pushMetadata).
    ring.events.on('range-changed', ({ from }) => {
      if (from === null) this.handoffUntilMs = this.clock.now() + HANDOFF_MS;
    });
  }

  /** Run fn after every earlier operation on the same key, so read-modify-write is atomic per path. */
  private serial<T>(key: Id, fn: () => Promise<T>): Promise<T> {
    const k = idToHex(key);
    const prev = this.chains.get(k) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.chains.set(k, tail);
    void tail.then(() => {
      if (this.chains.get(k) === tail) this.chains.delete(k);
    });
    return next;
  }

  /** Refuse to act on a key this peer does not own: the record would land where nobody looks. */
  private owned(path: string): Id {
    const key = pathKey(path);
    if (!this.ring.owns(key)) throw new NotOwnerError(path);
    return key;
  }

  /**
   * The record of a key we own. Right after taking keys over, a missing record may be one still on
   * its way from the previous owner: answering "none" would tell a reader the file does not exist
   * and let a commit start a version history over. NOT_OWNER makes the client retry a moment later.
   */
  private async record(key: Id, path: string): Promise<MetaRecord | undefined> {
    const r = await this.store.getRecord(key);
    if (r === undefined && this.clock.now() < this.handoffUntilMs) {
      this.counters.handoffRefusals++;
      throw new NotOwnerError(path);
    }
    return r;
  }

  private async live(key: Id, path: string): Promise<MetaRecord | undefined> {
    const r = await this.record(key, path);
    return r && r.kind !== 'tomb' ? r : undefined;
  }

  async stat(b: RequestBody<'stat'>): Promise<ReplyBody<'stat'>> {
    const path = canonical(b.path);
    const key = this.owned(path);
    const rec = path === '/' ? { kind: 'dir' as const, path, rev: 0, mtimeMs: 0 } : await this.live(key, path);
    return rec ? { ok: true, rec: toWire(rec) } : { ok: true };
  }

  async commit(b: RequestBody<'commit'>): Promise<ReplyBody<'commit'>> {
    const checked = checkRecord(b.rec);
    if (!checked.ok) throw checked.error;
    const rec = checked.value as FileRecord;
    const path = canonical(rec.path);
    if (path === '/') throw new IsADirectoryError(path);
    const key = this.owned(path);
    return this.serial(key, async () => {
      const cur = await this.record(key, path);
      if (cur?.kind === 'dir') throw new IsADirectoryError(path);
      await this.linkInParent(path, 'file');
      const next: FileRecord = { ...rec, path, rev: (cur?.rev ?? 0) + 1, version: (cur ? cur.version : 0) + 1 };
      await this.store.putRecord(key, next);
      this.replicate([{ rec: toWire(next) }]);
      return { ok: true as const, version: next.version };
    });
  }

  async mkdir(b: RequestBody<'mkdir'>): Promise<ReplyBody<'mkdir'>> {
    const path = canonical(b.path);
    const key = this.owned(path);
    if (path === '/') return { ok: true };
    return this.serial(key, async () => {
      const cur = await this.record(key, path);
      if (cur?.kind === 'dir') return { ok: true as const };
      if (cur?.kind === 'file') throw new CumulusError('ALREADY_EXISTS', `${path} exists and is a file`);
      await this.linkInParent(path, 'dir');
      const next: MetaRecord = { kind: 'dir', path, rev: (cur?.rev ?? 0) + 1, mtimeMs: this.clock.now() };
      await this.store.putRecord(key, next);
      this.replicate([{ rec: toWire(next), entries: [] }]);
      return { ok: true as const };
    });
  }

  async rm(b: RequestBody<'rm'>): Promise<ReplyBody<'rm'>> {
    const path = canonical(b.path);
    if (path === '/') throw new RefusedError('the root directory cannot be removed');
    const key = this.owned(path);
    return this.serial(key, async () => {
      const cur = await this.live(key, path);
      if (!cur) throw new NotFoundError(path);
      if (cur.kind === 'dir' && (await this.store.hasEntries(key))) throw new DirectoryNotEmptyError(path);
      const tomb: MetaRecord = { kind: 'tomb', path, rev: cur.rev + 1, mtimeMs: this.clock.now(), version: cur.kind === 'file' ? cur.version : 0 };
      await this.store.putRecord(key, tomb);
      this.replicate([{ rec: toWire(tomb), entries: [] }]);
      const parent = parentOf(path)!;
      await call(this.ring, pathKey(parent), 'unlink', { dir: parent, name: baseName(path) }, this.timeoutMs);
      return { ok: true as const };
    });
  }

  async list(b: RequestBody<'list'>): Promise<ReplyBody<'list'>> {
    const path = canonical(b.path);
    const key = this.owned(path);
    if (path !== '/') {
      const cur = await this.live(key, path);
      if (!cur) throw new NotFoundError(path);
      if (cur.kind !== 'dir') throw new NotADirectoryError(path);
    }
    const rows = await this.store.entries(key, b.limit + 1, b.marker);
    const entries = rows.slice(0, b.limit);
    return rows.length > b.limit ? { ok: true, entries, next: entries[entries.length - 1]!.name } : { ok: true, entries };
  }

  async link(b: RequestBody<'link'>): Promise<ReplyBody<'link'>> {
    return this.changeEntries(b.dir, { add: { name: b.name, kind: b.kind } });
  }

  async unlink(b: RequestBody<'unlink'>): Promise<ReplyBody<'unlink'>> {
    return this.changeEntries(b.dir, { remove: b.name });
  }

  private async changeEntries(dirPath: string, change: { add?: DirEntry; remove?: string }): Promise<{ ok: true }> {
    const dir = canonical(dirPath);
    const key = this.owned(dir);
    return this.serial(key, async () => {
      const cur = dir === '/' ? await this.store.getRecord(key) : await this.record(key, dir);
      if (dir !== '/' && (!cur || cur.kind === 'tomb')) throw new NotFoundError(`directory ${dir}`);
      if (cur?.kind === 'file') throw new NotADirectoryError(dir);
      const next: MetaRecord = { kind: 'dir', path: dir, rev: (cur?.rev ?? 0) + 1, mtimeMs: cur?.mtimeMs ?? this.clock.now() };
      const op = change.add ? this.store.entryOp(key, change.add) : this.store.unentryOp(key, change.remove!);
      await this.store.putRecord(key, next, [op]);
      this.replicate([{ rec: toWire(next), ...change }]);
      return { ok: true as const };
    });
  }

  /**
   * Apply records pushed by a neighbour (replication or anti-entropy); older copies are ignored.
   * Our successor's push is the hand-over of the keys we took: once it is here, none is on its way.
   */
  async sync(b: RequestBody<'sync'>, from?: PeerId): Promise<ReplyBody<'sync'>> {
    if (from !== undefined && from === this.ring.successors()[0]) this.handoffUntilMs = 0;
    for (const item of b.items) {
      const checked = checkRecord(item.rec);
      if (!checked.ok) throw checked.error;
      const rec = checked.value;
      const key = pathKey(canonical(rec.path));
      await this.serial(key, async () => {
        const cur = await this.store.getRecord(key);
        if (!newer(rec, cur)) return;
        const extra = [];
        if (item.add) extra.push(this.store.entryOp(key, item.add));
        if (item.remove) extra.push(this.store.unentryOp(key, item.remove));
        await this.store.putRecord(key, rec, extra);
        if (item.entries) await this.store.replaceEntries(key, item.entries);
        this.counters.syncsApplied++;
      });
    }
    return { ok: true };
  }

  /** Store a record this peer computed (repair changed holders) and push it to the successors. */
  async updateIfNewer(rec: MetaRecord): Promise<boolean> {
    const key = pathKey(rec.path);
    return this.serial(key, async () => {
      const cur = await this.store.getRecord(key);
      // Only replace the copy repair started from; a commit that happened meanwhile wins.
      if (!cur || cur.kind !== rec.kind || cur.rev !== rec.rev - 1) return false;
      await this.store.putRecord(key, rec);
      this.replicate([{ rec: toWire(rec) }]);
      return true;
    });
  }

  /**
   * Push items to the successors that keep copies: at once when no sync to that successor is out,
   * else with whatever else waits when the frame out is answered. Failures are left to the next
   * anti-entropy round.
   */
  replicate(items: SyncItem[]): void {
    for (const peer of this.ring.successors().slice(0, META_REPLICA_SUCCESSORS)) {
      if (peer === this.ring.self) continue;
      const waiting = this.outbox.get(peer);
      if (waiting === undefined) {
        this.outbox.set(peer, []);
        this.send(peer, [...items]);
        continue;
      }
      waiting.push(...items);
      if (waiting.length > MAX_SYNC_QUEUE) this.counters.syncItemsDropped += waiting.splice(0, waiting.length - MAX_SYNC_QUEUE).length;
    }
  }

  /** Send one frame's worth of items to peer; then the next, while items wait and peer is still a successor that keeps copies. */
  private send(peer: PeerId, pending: SyncItem[]): void {
    const batch = takeSyncBatch(pending);
    this.counters.syncsSent++;
    const next = (ok: boolean): void => {
      const waiting = [...pending, ...(this.outbox.get(peer) ?? [])];
      // A successor that failed or is no longer one keeping copies gets the rest from anti-entropy.
      const still = ok && this.ring.successors().slice(0, META_REPLICA_SUCCESSORS).includes(peer);
      if (waiting.length === 0 || !still) {
        if (!still) this.counters.syncItemsDropped += waiting.length;
        this.outbox.delete(peer);
        return;
      }
      this.outbox.set(peer, []);
      this.send(peer, waiting);
    };
    call(this.ring, { peer }, 'sync', { items: batch }, this.timeoutMs).then(() => next(true), () => next(false));
  }

  private async linkInParent(path: string, kind: 'file' | 'dir'): Promise<void> {
    const parent = parentOf(path)!;
    await call(this.ring, pathKey(parent), 'link', { dir: parent, name: baseName(path), kind }, this.timeoutMs);
  }
}

