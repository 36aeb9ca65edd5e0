// Hellos per remote address. A hello costs the server a signature check, a slot in the hub and a
// look-up on the ring (ring-members.ts), and identities cost nothing to make: one address must not
// be able to open connections as fast as it likes. Each connection is one hello (a second hello on
// a connection is just a message), so connections are what is counted, when they open.
import type { Clock } from '../env/ports.js';
import { TokenBucket } from './token-bucket.js';

/** Addresses remembered; the least recently seen is forgotten first (its bucket would be full again by then anyway). */
export const MAX_TRACKED_ADDRESSES = 10_000;

export class AddressLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: Clock,
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly maxAddresses = MAX_TRACKED_ADDRESSES,
  ) {}

  /** May this address open one more connection now? */
  take(address: string): boolean {
    const key = normalizeAddress(address);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new TokenBucket(this.clock, this.perMinute / 60, this.burst);
      if (this.buckets.size >= this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value as string);
    } else this.buckets.delete(key);
    this.buckets.set(key, b);
    return b.take();
  }
}

/** An IPv4 address seen through an IPv6 socket (::ffff:a.b.c.d) is that IPv4 address. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
