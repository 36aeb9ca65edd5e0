// The real Rng: every draw comes from the platform's cryptographic generator (Web Crypto, which
// Node 20 and every browser expose as globalThis.crypto). It cannot be seeded; fork() returns
// another cryptographic stream because there is nothing to reproduce outside the simulator.
import type { Rng } from '../env/ports.js';
import { InvalidArgumentError } from '../core/errors.js';

/** getRandomValues refuses more than 65,536 bytes per call. */
const MAX_BYTES_PER_CALL = 65_536;

export class CryptoRng implements Rng {
  next(): number {
    // 53 random bits make every double in [0, 1) with 2^-53 spacing equally likely.
    const b = this.bytes(8);
    const hi = ((b[0]! << 13) | (b[1]! << 5) | (b[2]! >>> 3)) >>> 0; // 21 bits
    const lo = ((b[3]! << 24) | (b[4]! << 16) | (b[5]! << 8) | b[6]!) >>> 0; // 32 bits
    return (hi * 2 ** 32 + lo) / 2 ** 53;
  }

  int(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive <= 0) {
      throw new InvalidArgumentError(`int() needs a positive safe integer bound, got ${maxExclusive}`);
    }
    return Math.floor(this.next() * maxExclusive);
  }

  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`bytes() needs a non-negative integer, got ${n}`);
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += MAX_BYTES_PER_CALL) {
      globalThis.crypto.getRandomValues(out.subarray(off, Math.min(n, off + MAX_BYTES_PER_CALL)));
    }
    return out;
  }

  fork(_label: string): Rng {
    return new CryptoRng();
  }
}
