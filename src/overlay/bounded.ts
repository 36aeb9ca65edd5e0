// Small bounded containers: every cache in the overlay has a cap, and the oldest entry goes first.

/** A set that forgets its oldest member once it holds `max` members. */
export class BoundedSet<T> {
  private readonly items = new Set<T>();
  constructor(private readonly max: number) {}

  has(x: T): boolean {
    return this.items.has(x);
  }

  /** Add x; returns false when it was already there. */
  add(x: T): boolean {
    if (this.items.has(x)) return false;
    this.items.add(x);
    if (this.items.size > this.max) {
      const oldest = this.items.values().next().value as T;
      this.items.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.items.size;
  }
}

/** A map from key to an expiry time, capped in size; expired entries read as absent. */
export class ExpiringSet<K> {
  private readonly until = new Map<K, number>();
  constructor(private readonly max: number) {}

  add(key: K, untilMs: number): void {
    this.until.delete(key);
    this.until.set(key, untilMs);
    if (this.until.size > this.max) this.until.delete(this.until.keys().next().value as K);
  }

  has(key: K, nowMs: number): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t <= nowMs) {
      this.until.delete(key);
      return false;
    }
    return true;
  }

  delete(key: K): void {
    this.until.delete(key);
  }
}
