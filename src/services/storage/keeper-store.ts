// What an sKeeper keeps: one record per path (under the path's ring key) and, for directories,
// one entry per child (under the directory's key and the child's name, so a listing is a range
// scan in name order). Replicas on successors use the same layout, so taking over is free.
import type { Store, StoreOp } from '../../env/ports.js';
import { idFromHex, idToBytes, idToHex, type Id } from '../../core/id.js';
import { decodeValue, encodeValue } from '../../core/codec.js';
import { assert } from '../../core/errors.js';
import { decodeRecord, encodeRecord, newer, type MetaRecord } from './records.js';

const RECORD_PREFIX = 0x6d; // 'm'
const ENTRY_PREFIX = 0x65; // 'e'
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type EntryKind = 'file' | 'dir';
export interface DirEntry {
  name: string;
  kind: EntryKind;
}

function recordKey(key: Id): Uint8Array {
  const k = new Uint8Array(21);
  k[0] = RECORD_PREFIX;
  k.set(idToBytes(key), 1);
  return k;
}

function entryPrefix(dirKey: Id): Uint8Array {
  const k = new Uint8Array(21);
  k[0] = ENTRY_PREFIX;
  k.set(idToBytes(dirKey), 1);
  return k;
}

function entryKey(dirKey: Id, name: string): Uint8Array {
  const n = encoder.encode(name);
  const k = new Uint8Array(21 + n.length);
  k.set(entryPrefix(dirKey), 0);
  k.set(n, 21);
  return k;
}

/** The first key after every entry of a directory. */
function entryEnd(dirKey: Id): Uint8Array {
  const k = entryPrefix(dirKey);
  // Keys are 21-byte prefixes followed by names; 0xff as the 22nd byte is above any UTF-8 lead byte.
  const end = new Uint8Array(22);
  end.set(k, 0);
  end[21] = 0xff;
  return end;
}

export class KeeperStore {
  constructor(private readonly store: Store) {}

  async getRecord(key: Id): Promise<MetaRecord | undefined> {
    const bytes = await this.store.get(recordKey(key));
    if (!bytes) return undefined;
    const r = decodeRecord(bytes);
    // Our own store only ever holds records we encoded, so a bad one is a bug, not bad input.
    assert(r.ok, `stored record for ${idToHex(key)} does not decode`);
    return r.value;
  }

  /** Write a record if it is newer than the one held; returns whether it was written. */
  async putRecordIfNewer(key: Id, rec: MetaRecord, extra: StoreOp[] = []): Promise<boolean> {
    const cur = await this.getRecord(key);
    if (!newer(rec, cur)) return false;
    await this.putRecord(key, rec, extra);
    return true;
  }

  async putRecord(key: Id, rec: MetaRecord, extra: StoreOp[] = []): Promise<void> {
    const enc = encodeRecord(rec);
    if (!enc.ok) throw enc.error;
    await this.store.batch([{ type: 'put', key: recordKey(key), value: enc.value }, ...extra]);
  }

  entryOp(dirKey: Id, entry: DirEntry): StoreOp {
    const v = encodeValue({ kind: entry.kind });
    assert(v.ok, 'a directory entry always encodes');
    return { type: 'put', key: entryKey(dirKey, entry.name), value: v.value };
  }

  unentryOp(dirKey: Id, name: string): StoreOp {
    return { type: 'del', key: entryKey(dirKey, name) };
  }

  /** Entries of a directory in name (UTF-8 byte) order, strictly after `marker`, at most `limit`. */
  async entries(dirKey: Id, limit: number, marker?: string): Promise<DirEntry[]> {
    const gt = marker === undefined ? entryPrefix(dirKey) : entryKey(dirKey, marker);
    const rows = await this.store.range({ gt, lt: entryEnd(dirKey), limit });
    return rows.map(([k, v]) => {
      const d = decodeValue(v);
      const kind = d.ok && (d.value as { kind?: unknown }).kind === 'dir' ? 'dir' : 'file';
      return { name: decoder.decode(k.subarray(21)), kind };
    });
  }

  async hasEntries(dirKey: Id): Promise<boolean> {
    return (await this.entries(dirKey, 1)).length > 0;
  }

  /** Replace a directory's entries with a complete set (anti-entropy from the owner). */
  async replaceEntries(dirKey: Id, entries: DirEntry[]): Promise<void> {
    await this.store.delRange({ gt: entryPrefix(dirKey), lt: entryEnd(dirKey) });
    if (entries.length) await this.store.batch(entries.map((e) => this.entryOp(dirKey, e)));
  }

  /** Every record held (owned or replicated), in key order, `limit` at a time after `afterKey`. */
  async records(limit: number, afterKey?: Id): Promise<Array<[Id, MetaRecord]>> {
    const gt = afterKey === undefined ? new Uint8Array([RECORD_PREFIX]) : recordKey(afterKey);
    const rows = await this.store.range({ gt, lt: new Uint8Array([RECORD_PREFIX + 1]), limit });
    const out: Array<[Id, MetaRecord]> = [];
    for (const [k, v] of rows) {
      const r = decodeRecord(v);
      assert(r.ok, 'stored record does not decode');
      out.push([idFromHex(Array.from(k.subarray(1), (b) => b.toString(16).padStart(2, '0')).join('')), r.value]);
    }
    return out;
  }

  async delRecord(key: Id): Promise<void> {
    await this.store.del(recordKey(key));
  }
}
