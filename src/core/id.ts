// 160-bit identifiers and ring arithmetic. Peers and keys share one circular id space of 2^160
// positions; a key is owned by its successor, the first peer at or clockwise after it.
import { sha256 } from './sha256.js';
import { InvalidArgumentError } from './errors.js';

export const ID_BITS = 160;
export const ID_HEX_CHARS = ID_BITS / 4;
export const RING_SIZE: bigint = 1n << BigInt(ID_BITS);
const MASK = RING_SIZE - 1n;

/** A position on the ring. */
export type Id = bigint & { readonly __brand: 'Id' };
/** A peer's id as 40 lower-case hex characters: the form used on the wire and as map keys. */
export type PeerId = string & { readonly __brand: 'PeerId' };
/** A data key (hash of a name or of content) as 40 lower-case hex characters. */
export type KeyHex = string & { readonly __brand: 'KeyHex' };

const HEX40 = /^[0-9a-f]{40}$/;

export function isHexId(s: unknown): s is string {
  return typeof s === 'string' && HEX40.test(s);
}

export function idFromHex(hex: string): Id {
  if (!isHexId(hex)) throw new InvalidArgumentError(`not a 160-bit id: expected 40 lower-case hex characters, got ${JSON.stringify(String(hex).slice(0, 48))}`);
  return BigInt('0x' + hex) as Id;
}

export function idToHex(id: Id | bigint): string {
  return (BigInt(id) & MASK).toString(16).padStart(ID_HEX_CHARS, '0');
}

/** The hex form of a key, as a message routed to its owner names it (Envelope.dst with to 'key'). */
export function keyHex(id: Id): KeyHex {
  return idToHex(id) as KeyHex;
}

export function asId(n: bigint): Id {
  return (((n % RING_SIZE) + RING_SIZE) % RING_SIZE) as Id;
}

export function peerIdFromHex(hex: string): PeerId {
  idFromHex(hex);
  return hex as PeerId;
}

/** id + 2^k on the ring (the start of the k-th finger interval). */
export function addPow2(id: Id, k: number): Id {
  return ((id + (1n << BigInt(k))) & MASK) as Id;
}

export function addId(id: Id, delta: bigint): Id {
  return asId(id + delta);
}

/** Clockwise distance from a to b: how far one walks from a to reach b. */
export function distance(a: Id, b: Id): bigint {
  return (b - a) & MASK;
}

/**
 * Is x in the ring interval from a to b, walking clockwise? Ends are open unless stated closed.
 * When a == b the interval is the whole ring (minus a if both ends are open), which is what
 * Chord needs when a peer is alone. One rule for ids as numbers and as hex strings, whose orders agree.
 */
function between<T extends bigint | string>(x: T, a: T, b: T, closedStart: boolean, closedEnd: boolean): boolean {
  if (a === b) {
    if (x === a) return closedStart || closedEnd;
    return true;
  }
  if (x === a) return closedStart;
  if (x === b) return closedEnd;
  return a < b ? x > a && x < b : x > a || x < b;
}

export function inInterval(x: Id, a: Id, b: Id, closedStart = false, closedEnd = false): boolean {
  return between(x, a, b, closedStart, closedEnd);
}

/**
 * inInterval over ids written as 40 lower-case hex characters (checked by a schema): their
 * string order is their numeric order, so nothing is parsed.
 */
export function inIntervalHex(x: string, a: string, b: string, closedStart = false, closedEnd = false): boolean {
  return between(x, a, b, closedStart, closedEnd);
}

/** The first 160 bits of SHA-256 of some bytes. */
export function hashBytesToId(bytes: Uint8Array): Id {
  return idFromDigest(sha256(bytes));
}

const textEncoder = new TextEncoder();

/** The key of a name (a path, a resource, a job id): SHA-256 of its UTF-8 bytes, truncated. */
export function hashNameToId(name: string): Id {
  return hashBytesToId(textEncoder.encode(name));
}

export function idFromDigest(digest: Uint8Array): Id {
  if (digest.length < ID_BITS / 8) throw new InvalidArgumentError('digest shorter than 160 bits');
  let n = 0n;
  for (let i = 0; i < ID_BITS / 8; i++) n = (n << 8n) | BigInt(digest[i]!);
  return n as Id;
}

export function idToBytes(id: Id): Uint8Array {
  const out = new Uint8Array(ID_BITS / 8);
  let n = BigInt(id);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** The bytes of a hex string already checked to be hex of even length (by a schema). */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
