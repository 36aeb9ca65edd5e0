// Bytes and the strings the tools work on. In the C locale a character is a byte, so the tools
// hold text as "binary" strings: one UTF-16 code unit per byte, 0–255. JavaScript compares such
// strings code unit by code unit, which is byte order (what LC_ALL=C sort and comparisons use),
// and their length is the byte count (what awk's length() and wc -c give).
import { LimitExceededError } from './errors.js';
import { OUTPUT_CHUNK_BYTES } from './limits.js';

/** The most arguments one String.fromCharCode call takes; engines cap argument counts. */
const DECODE_SLICE = 8192;

/**
 * Node's Buffer converts Latin-1 natively, many times faster than a loop in JavaScript; a browser
 * peer has no Buffer and uses the loops below. (TextDecoder's "latin1" is windows-1252, which maps
 * bytes 0x80–0x9f elsewhere, so it cannot stand in.)
 */
interface Latin1Buffer {
  from(s: string, encoding: 'latin1'): Uint8Array;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array & { latin1Slice(start: number, end: number): string };
}
const NodeBuffer = (globalThis as unknown as { Buffer?: Latin1Buffer }).Buffer;

/** Bytes to a binary string (each byte one code unit). */
export function bytesToBinary(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).latin1Slice(start, end);
  if (end - start <= DECODE_SLICE) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  const parts: string[] = [];
  for (let i = start; i < end; i += DECODE_SLICE) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + DECODE_SLICE)) as unknown as number[]));
  }
  return parts.join('');
}

/** A binary string to bytes (code units above 255 keep their low byte; tools never make them). */
export function binaryToBytes(s: string): Uint8Array {
  if (NodeBuffer !== undefined) return NodeBuffer.from(s, 'latin1');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A user's text (an exec's words) as the binary string of its UTF-8 bytes, as a C-locale tool sees it. */
export function utf8ToBinary(s: string): string {
  // Pure ASCII is its own UTF-8; only other text needs the encoder.
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return bytesToBinary(new TextEncoder().encode(s));
}

/**
 * Cuts a byte stream into lines. push() returns the complete lines of a chunk (without their
 * newline); end() returns the last line when the input did not end with a newline. A line longer
 * than the limit fails the task: a line-oriented tool would otherwise hold an unbounded string.
 */
export class LineSplitter {
  private partial = '';

  constructor(private readonly lineBytes: number) {}

  push(chunk: Uint8Array): string[] {
    const text = bytesToBinary(chunk);
    const lines: string[] = [];
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      const line = from === 0 && this.partial !== '' ? this.partial + text.slice(0, nl) : text.slice(from, nl);
      if (from === 0) this.partial = '';
      this.check(line.length);
      lines.push(line);
      from = nl + 1;
    }
    if (from < text.length) {
      this.partial = from === 0 ? this.partial + text : text.slice(from);
      this.check(this.partial.length);
    }
    return lines;
  }

  /** The unterminated last line, if any. */
  end(): string | undefined {
    const p = this.partial;
    this.partial = '';
    return p === '' ? undefined : p;
  }

  private check(bytes: number): void {
    if (bytes > this.lineBytes) throw new LimitExceededError('line', `a line is longer than ${this.lineBytes} bytes`);
  }
}

/**
 * Collects a tool's output as binary strings and hands it on in chunks of about 64 KiB, so that
 * the per-chunk cost of the pipe is paid rarely. `full` says when a chunk is ready to be taken.
 */
export class OutBuffer {
  private parts: string[] = [];
  private length = 0;

  write(s: string): void {
    if (s.length === 0) return;
    this.parts.push(s);
    this.length += s.length;
  }

  get full(): boolean {
    return this.length >= OUTPUT_CHUNK_BYTES;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  /** Everything written so far, as bytes; the buffer is empty afterwards. */
  take(): Uint8Array {
    const s = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.length = 0;
    return binaryToBytes(s);
  }
}

/** The parts joined into one array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
