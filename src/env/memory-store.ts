// An in-memory Store ordered by key bytes. Keys are kept as "binary strings" (one char per byte)
// because JavaScript compares strings by UTF-16 code units, which for chars 0..255 is exactly
// byte order: a sorted string array gives cheap binary search for range and delRange, and a Map
// gives O(1) get. Values are copied in and out so callers can never mutate stored data.
import type { RangeOptions, Store, StoreOp } from './ports.js';
import { CumulusError, InvalidArgumentError } from '../core/errors.js';

function keyString(key: Uint8Array): string {
  if (!(key instanceof Uint8Array)) throw new InvalidArgumentError('store keys must be Uint8Array');
  // Chunked so that very long keys do not overflow the argument limit of fromCharCode.
  if (key.length <= 4096) return String.fromCharCode.apply(null, key as unknown as number[]);
  let s = '';
  for (let i = 0; i < key.length; i += 4096) s += String.fromCharCode.apply(null, key.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

function keyBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('store values must be Uint8Array');
}

/** Index of the first key >= s (or > s when `after`). */
function lowerBound(keys: string[], s: string, after: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k < s || (after && k === s)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class StoreClosedError extends CumulusError {
  constructor() {
    super('CANCELLED', 'the store is closed');
  }
}

export class MemoryStore implements Store {
  private readonly values = new Map<string, Uint8Array>();
  private readonly keys: string[] = [];
  private closed = false;

  /** How many entries the store holds (for tests and simulator figures). */
  get size(): number {
    return this.keys.length;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.open();
    const v = this.values.get(keyString(key));
    return v === undefined ? undefined : v.slice();
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    this.open();
    checkValue(value);
    this.putNow(keyString(key), value.slice());
  }

  async del(key: Uint8Array): Promise<void> {
    this.open();
    this.delNow(keyString(key));
  }

  async batch(ops: StoreOp[]): Promise<void> {
    this.open();
    // Validate and copy everything first, so that a bad op leaves the store untouched (atomic).
    const prepared: Array<[string, Uint8Array | undefined]> = ops.map((op) => {
      if (op.type === 'put') {
        checkValue(op.value);
        return [keyString(op.key), op.value.slice()];
      }
      if (op.type === 'del') return [keyString(op.key), undefined];
      throw new InvalidArgumentError(`unknown batch op ${String((op as { type: unknown }).type)}`);
    });
    for (const [k, v] of prepared) {
      if (v === undefined) this.delNow(k);
      else this.putNow(k, v);
    }
  }

  async range(opts: RangeOptions): Promise<Array<[Uint8Array, Uint8Array]>> {
    this.open();
    const [start, end] = this.bounds(opts);
    const limit = opts.limit === undefined || opts.limit < 0 ? Infinity : opts.limit;
    const out: Array<[Uint8Array, Uint8Array]> = [];
    if (opts.reverse) {
      for (let i = end - 1; i >= start && out.length < limit; i--) out.push(this.entry(i));
    } else {
      for (let i = start; i < end && out.length < limit; i++) out.push(this.entry(i));
    }
    return out;
  }

  async delRange(opts: RangeOptions): Promise<number> {
    this.open();
    let [start, end] = this.bounds(opts);
    const limit = opts.limit === undefined || opts.limit < 0 ? Infinity : opts.limit;
    if (end - start > limit) {
      if (opts.reverse) start = end - limit;
      else end = start + limit;
    }
    const removed = this.keys.splice(start, end - start);
    for (const k of removed) this.values.delete(k);
    return removed.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private entry(i: number): [Uint8Array, Uint8Array] {
    const k = this.keys[i]!;
    return [keyBytes(k), this.values.get(k)!.slice()];
  }

  /** [start, end) indices of the keys inside the range's bounds. */
  private bounds(opts: RangeOptions): [number, number] {
    const keys = this.keys;
    let start = 0;
    let end = keys.length;
    if (opts.gte !== undefined) start = Math.max(start, lowerBound(keys, keyString(opts.gte), false));
    if (opts.gt !== undefined) start = Math.max(start, lowerBound(keys, keyString(opts.gt), true));
    if (opts.lte !== undefined) end = Math.min(end, lowerBound(keys, keyString(opts.lte), true));
    if (opts.lt !== undefined) end = Math.min(end, lowerBound(keys, keyString(opts.lt), false));
    return [start, Math.max(start, end)];
  }

  private putNow(k: string, v: Uint8Array): void {
    if (!this.values.has(k)) {
      const keys = this.keys;
      // Appending in order is the common case (logs, sequential ids): skip the search.
      if (keys.length === 0 || keys[keys.length - 1]! < k) keys.push(k);
      else keys.splice(lowerBound(keys, k, false), 0, k);
    }
    this.values.set(k, v);
  }

  private delNow(k: string): void {
    if (!this.values.delete(k)) return;
    this.keys.splice(lowerBound(this.keys, k, false), 1);
  }
}
