// S3's additional checksums: a client names one algorithm and sends the body's checksum, in a
// header (`x-amz-checksum-crc32: …`) or, for an aws-chunked body, in a trailer after the last chunk
// (`x-amz-trailer: x-amz-checksum-crc32` up front, the value at the end). The AWS SDKs send CRC32
// trailers by default. The body is checked as it streams; a mismatch is S3's BadDigest, raised
// before the body's end reaches storage, so nothing is committed.
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3Error } from './errors.js';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** A running checksum of one algorithm; the digest is base64 of its big-endian bytes, as S3 writes it. */
export interface Checksum {
  update(piece: Uint8Array): void;
  digestBase64(): string;
}

/** The header (or trailer) that carries an algorithm's value. */
export function checksumHeader(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg}`;
}

/** The algorithm a header or trailer name stands for, or undefined. */
export function algorithmOf(name: string): ChecksumAlgorithm | undefined {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(name.trim().toLowerCase());
  return CHECKSUM_ALGORITHMS.find((a) => a === m?.[1]);
}

export function newChecksum(alg: ChecksumAlgorithm): Checksum {
  switch (alg) {
    case 'crc32':
      return zlibCrc32();
    case 'crc32c':
      return tableCrc32(CRC32C_TABLE);
    case 'crc64nvme':
      return tableCrc64();
    case 'sha1':
    case 'sha256':
      return hashChecksum(createHash(alg));
  }
}

/** Refuse a checksum that is not the body's, as S3 does. */
export function checkDigest(alg: ChecksumAlgorithm, expected: string, sum: Checksum): void {
  if (sum.digestBase64() !== expected.trim()) throw new S3Error(400, 'BadDigest', `the ${alg.toUpperCase()} you specified did not match the calculated checksum`);
}

function hashChecksum(h: Hash): Checksum {
  return { update: (p) => void h.update(p), digestBase64: () => h.digest('base64') };
}

function be32(v: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b.toString('base64');
}

function zlibCrc32(): Checksum {
  let crc = 0;
  return { update: (p) => void (crc = crc32(p, crc)), digestBase64: () => be32(crc) };
}

/** The table of a reflected 32-bit CRC. */
function table32(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
const CRC32C_TABLE = table32(0x82f63b78);

function tableCrc32(t: Uint32Array): Checksum {
  let crc = 0xffffffff;
  return {
    update: (p) => {
      let c = crc;
      for (let i = 0; i < p.length; i++) c = t[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
      crc = c;
    },
    digestBase64: () => be32(crc ^ 0xffffffff),
  };
}

/** CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, as two 32-bit halves (no BigInt per byte). */
const CRC64_POLY = 0x9a6c9329ac4bc9b5n;
const [CRC64_LO, CRC64_HI] = ((): [Uint32Array, Uint32Array] => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64_POLY : c >> 1n;
    lo[i] = Number(c & 0xffffffffn);
    hi[i] = Number(c >> 32n);
  }
  return [lo, hi];
})();

function tableCrc64(): Checksum {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  return {
    update: (p) => {
      let l = lo;
      let h = hi;
      for (let i = 0; i < p.length; i++) {
        const j = (l ^ p[i]!) & 0xff;
        l = (((l >>> 8) | (h << 24)) ^ CRC64_LO[j]!) >>> 0;
        h = ((h >>> 8) ^ CRC64_HI[j]!) >>> 0;
      }
      lo = l;
      hi = h;
    },
    digestBase64: () => {
      const b = Buffer.alloc(8);
      b.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
      b.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
      return b.toString('base64');
    },
  };
}
