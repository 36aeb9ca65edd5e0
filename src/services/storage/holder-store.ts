// What an sHolder keeps: chunks by id, persisted through the Store port (level in real peers),
// within the quota its volunteer set. A chunk is only accepted if its bytes hash to its id, so
// a holder never stores (nor later serves) bytes under a wrong name by accident.
import type { Store } from '../../env/ports.js';
import { InvalidArgumentError, OverQuotaError } from '../../core/errors.js';
import { bytesToHex, hashBytesToId, idFromHex, idToBytes, idToHex } from '../../core/id.js';

const CHUNK_PREFIX = 0x63; // 'c'
const USED_KEY = new Uint8Array([0x75]); // 'u'
const KEEPER_PREFIX = 0x6b; // 'k'
/** A keeper key's value: presence is all that counts, and some stores refuse empty values. */
const PRESENT = new Uint8Array([1]);

function keeperKey(key: string): Uint8Array {
  const k = new Uint8Array(21);
  k[0] = KEEPER_PREFIX;
  k.set(idToBytes(idFromHex(key)), 1);
  return k;
}

function chunkKey(id: string): Uint8Array {
  const k = new Uint8Array(21);
  k[0] = CHUNK_PREFIX;
  k.set(idToBytes(idFromHex(id)), 1);
  return k;
}

function encodeCount(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, n);
  return out;
}

export class HolderStore {
  private usedBytes = 0;
  private loaded = false;

  constructor(
    private readonly store: Store,
    /** Bytes of chunk data this peer agreed to hold. */
    private quota: number,
  ) {}

  /** Bytes of chunk data this peer agreed to hold (its volunteer may change it: setQuota). */
  get quotaBytes(): number {
    return this.quota;
  }

  /**
   * Take a new quota at once: chunks beyond it are refused from now on. Chunks held past a lowered
   * quota stay until they are moved elsewhere (shed.ts), so nothing is lost by the change.
   */
  setQuota(bytes: number): void {
    if (!Number.isFinite(bytes) || bytes < 0) throw new InvalidArgumentError(`storage quota must be a non-negative number of bytes, not ${bytes}`);
    this.quota = Math.floor(bytes);
  }

  /** Read the persisted usage once; later calls are free. */
  async open(): Promise<void> {
    if (this.loaded) return;
    const v = await this.store.get(USED_KEY);
    this.usedBytes = v && v.length === 8 ? new DataView(v.buffer, v.byteOffset, 8).getFloat64(0) : 0;
    this.loaded = true;
  }

  get used(): number {
    return this.usedBytes;
  }

  get free(): number {
    return Math.max(0, this.quotaBytes - this.usedBytes);
  }

  /** Would a chunk of this size fit? (A chunk already held always "fits": it is not stored twice.) */
  async canAccept(id: string, bytes: number): Promise<boolean> {
    await this.open();
    return bytes <= this.free || (await this.has(id));
  }

  async has(id: string): Promise<boolean> {
    return (await this.store.get(chunkKey(id))) !== undefined;
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    return this.store.get(chunkKey(id));
  }

  /**
   * Store a chunk. Throws INVALID_ARGUMENT when the bytes do not hash to the id and OVER_QUOTA
   * when they do not fit; in both cases nothing is written. Storing a held chunk again is a no-op.
   */
  async put(id: string, bytes: Uint8Array): Promise<void> {
    await this.open();
    if (idToHex(hashBytesToId(bytes)) !== id) throw new InvalidArgumentError(`bytes do not hash to chunk ${id}`);
    if (await this.has(id)) return;
    if (bytes.length > this.free) throw new OverQuotaError(bytes.length, this.free);
    const used = this.usedBytes + bytes.length;
    await this.store.batch([
      { type: 'put', key: chunkKey(id), value: bytes },
      { type: 'put', key: USED_KEY, value: encodeCount(used) },
    ]);
    this.usedBytes = used;
  }

  async del(id: string): Promise<void> {
    await this.open();
    const v = await this.get(id);
    if (!v) return;
    const used = Math.max(0, this.usedBytes - v.length);
    await this.store.batch([
      { type: 'del', key: chunkKey(id) },
      { type: 'put', key: USED_KEY, value: encodeCount(used) },
    ]);
    this.usedBytes = used;
  }

  /** Remember the sKeeper key of a file whose chunk this peer holds (its summary, departures.ts). */
  async addKeeper(key: string): Promise<void> {
    await this.store.put(keeperKey(key), PRESENT);
  }

  async delKeeper(key: string): Promise<void> {
    await this.store.del(keeperKey(key));
  }

  /** The sKeeper keys remembered, in key order, at most `limit`. */
  async keepers(limit: number): Promise<string[]> {
    const rows = await this.store.range({ gt: new Uint8Array([KEEPER_PREFIX]), lt: new Uint8Array([KEEPER_PREFIX + 1]), limit });
    return rows.map(([k]) => bytesToHex(k.subarray(1)));
  }

  /** Chunk ids held, in id order, at most `limit` after `afterId` (for audits and garbage collection). */
  async ids(limit: number, afterId?: string): Promise<string[]> {
    const gt = afterId ? chunkKey(afterId) : new Uint8Array([CHUNK_PREFIX]);
    const rows = await this.store.range({ gt, lt: new Uint8Array([CHUNK_PREFIX + 1]), limit });
    return rows.map(([k]) => bytesToHex(k.subarray(1)));
  }
}
