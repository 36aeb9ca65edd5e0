// Small bounded containers: every cache in the overlay has a cap, and the oldest entry goes first.

/**
 * Messages seen lately, by message id and source, for duplicate suppression: keyed by the numeric
 * id, so that recording one allocates nothing (a set of `mid + src` strings cost a 50-character
 * string per delivery and about 6 KB per peer, which at 100,000 simulated peers is memory every
 * frame has to reach past). Two sources whose ids coincide within the window keep only the later:
 * a redundant copy of the earlier one would then be delivered again, as without suppression.
 */
export class SeenMessages {
  private readonly srcOf = new Map<number, string>();
  constructor(private readonly max: number) {}

  /** Record (mid, src); returns false when it was already recorded. */
  add(mid: number, src: string): boolean {
    const had = this.srcOf.get(mid);
    if (had === src) return false;
    if (had !== undefined) this.srcOf.delete(mid);
    this.srcOf.set(mid, src);
    if (this.srcOf.size > this.max) this.srcOf.delete(this.srcOf.keys().next().value as number);
    return true;
  }

  get size(): number {
    return this.srcOf.size;
  }
}

/** A map from key to an expiry time, capped in size; expired entries read as absent. */
export class ExpiringSet<K> {
  /** Made on the first add: most peers never fill theirs. */
  private until: Map<K, number> | null = null;
  constructor(private readonly max: number) {}

  add(key: K, untilMs: number): void {
    const until = (this.until ??= new Map());
    until.delete(key);
    until.set(key, untilMs);
    if (until.size > this.max) until.delete(until.keys().next().value as K);
  }

  has(key: K, nowMs: number): boolean {
    const t = this.until?.get(key);
    if (t === undefined) return false;
    if (t <= nowMs) {
      this.until!.delete(key);
      return false;
    }
    return true;
  }

  delete(key: K): void {
    this.until?.delete(key);
  }
}
