// One Store shared by several users (identity, storage, later jobs) without their keys meeting:
// each gets a view in which every key is silently prefixed. Range scans stay inside the prefix,
// so a service that scans "all its chunks" can never read another user's keys by accident.
import type { RangeOptions, Store, StoreOp } from './ports.js';
import { InvalidArgumentError } from '../core/errors.js';

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The smallest key greater than every key that starts with prefix (prefix must not be all 0xff). */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i]!++;
      return end;
    }
  }
  throw new InvalidArgumentError('a store prefix may not consist of 0xff bytes only');
}

export class PrefixStore implements Store {
  private readonly end: Uint8Array;

  constructor(
    private readonly inner: Store,
    private readonly prefix: Uint8Array,
  ) {
    if (prefix.length === 0) throw new InvalidArgumentError('a store prefix may not be empty');
    this.end = prefixEnd(prefix);
  }

  /** A view of `inner` under the UTF-8 bytes of `name`. */
  static of(inner: Store, name: string): PrefixStore {
    return new PrefixStore(inner, new TextEncoder().encode(name));
  }

  private k(key: Uint8Array): Uint8Array {
    return concat(this.prefix, key);
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.inner.get(this.k(key));
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.inner.put(this.k(key), value);
  }

  del(key: Uint8Array): Promise<void> {
    return this.inner.del(this.k(key));
  }

  batch(ops: StoreOp[]): Promise<void> {
    return this.inner.batch(ops.map((op) => ({ ...op, key: this.k(op.key) })));
  }

  async range(opts: RangeOptions): Promise<Array<[Uint8Array, Uint8Array]>> {
    const rows = await this.inner.range(this.bounds(opts));
    return rows.map(([k, v]) => [k.slice(this.prefix.length), v]);
  }

  delRange(opts: RangeOptions): Promise<number> {
    return this.inner.delRange(this.bounds(opts));
  }

  /** The inner store is shared: closing a view leaves it open for the others. */
  async close(): Promise<void> {}

  private bounds(opts: RangeOptions): RangeOptions {
    const out: RangeOptions = {};
    if (opts.gt) out.gt = this.k(opts.gt);
    else if (opts.gte) out.gte = this.k(opts.gte);
    else out.gte = this.prefix;
    if (opts.lt) out.lt = this.k(opts.lt);
    else if (opts.lte) out.lte = this.k(opts.lte);
    else out.lt = this.end;
    if (opts.limit !== undefined) out.limit = opts.limit;
    if (opts.reverse !== undefined) out.reverse = opts.reverse;
    return out;
  }
}
