// A fast seeded PRNG (sfc32: four 32-bit words, passes PractRand to 2^50+ bytes) so that the
// simulator and the in-memory Env are reproducible from one number. It is not cryptographic;
// the runtime's crypto-backed Rng is what real peers use for keys and nonces.
import type { Rng } from './ports.js';
import { InvalidArgumentError } from '../core/errors.js';

const TWO_POW_32 = 4294967296;
/** Rounds discarded after seeding, so that close seeds give unrelated streams. */
const WARMUP_ROUNDS = 12;

/** cyrb53-style string hash folded into two 32-bit words; cheap and good enough to separate labels. */
export function hashLabel(label: string, seed = 0): [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

export class SeededRng implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < WARMUP_ROUNDS; i++) this.u32();
  }

  /** The next 32-bit unsigned output; the fast path for callers that need raw bits. */
  u32(): number {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / TWO_POW_32;
  }

  int(maxExclusive: number): number {
    if (!(maxExclusive >= 1) || !Number.isSafeInteger(maxExclusive)) {
      throw new InvalidArgumentError(`int() needs a safe integer bound >= 1, got ${maxExclusive}`);
    }
    if (maxExclusive <= TWO_POW_32) return Math.floor(this.next() * maxExclusive);
    // Beyond 2^32 one draw has too few bits: combine two into a 53-bit fraction.
    const hi = this.u32() >>> 11;
    const lo = this.u32() >>> 6;
    return Math.floor(((hi * 67108864 + lo) / 9007199254740992) * maxExclusive);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      let w = this.u32();
      for (let k = 0; k < 4 && i < n; k++, i++) {
        out[i] = w & 0xff;
        w >>>= 8;
      }
    }
    return out;
  }

  fork(label: string): SeededRng {
    // Fresh outputs of the parent make forks of the same label at different moments differ;
    // the label hash makes forks of different labels at the same moment differ.
    const [h1, h2] = hashLabel(label);
    return new SeededRng(this.u32() ^ h1, this.u32() ^ h2, this.u32() ^ Math.imul(h1, 0x9e3779b9), this.u32() ^ h2 ^ 0x85ebca6b);
  }
}

/** A seeded Rng; the same seed always gives the same stream. */
export function seededRng(seed: number): SeededRng {
  const [h1, h2] = hashLabel('cumulus-seed', seed | 0);
  const hi = Math.floor(seed / TWO_POW_32) | 0;
  return new SeededRng(seed | 0, hi ^ 0x9e3779b9, h1, h2);
}

/**
 * A stream derived from a seed and a label without consuming any other stream: used where many
 * streams (one per simulated node) must be created lazily in any order.
 */
export function derivedRng(seed: number, label: string): SeededRng {
  const [h1, h2] = hashLabel(label, seed | 0);
  const [h3, h4] = hashLabel(label, h1 ^ 0x5bd1e995);
  return new SeededRng(h1, h2, h3, h4);
}
