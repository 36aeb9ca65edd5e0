// The last N lines or bytes of a stream, held in bounded memory for tail and head -n -N. Each held
// line's bytes (and its overhead) are taken from the task's memory budget and given back when the
// line leaves, so tail -n 1000000000 on long lines fails on memory instead of exhausting the worker.
import type { ToolContext } from '../exec/context.js';
import { LimitExceededError } from '../exec/errors.js';
import { LINE_OVERHEAD_BYTES } from '../exec/limits.js';

/** A ring of at most `capacity` lines; push() returns the line pushed out, if any. */
export class LineRing {
  private readonly ring: string[] = [];
  private start = 0;

  constructor(private readonly capacity: number, private readonly ctx: ToolContext) {
    if (capacity > ctx.limits.heldLines) throw new LimitExceededError('held-lines', `${ctx.name}: cannot hold more than ${ctx.limits.heldLines} lines`);
  }

  get size(): number {
    return this.ring.length;
  }

  push(line: string): string | undefined {
    if (this.capacity === 0) return line;
    this.ctx.reserve(line.length + LINE_OVERHEAD_BYTES);
    if (this.ring.length < this.capacity) {
      this.ring.push(line);
      return undefined;
    }
    const out = this.ring[this.start]!;
    this.ring[this.start] = line;
    this.start = (this.start + 1) % this.capacity;
    this.ctx.release(out.length + LINE_OVERHEAD_BYTES);
    return out;
  }

  /** The held lines, oldest first; the ring is empty afterwards. */
  drain(): string[] {
    const lines = [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
    for (const l of lines) this.ctx.release(l.length + LINE_OVERHEAD_BYTES);
    this.ring.length = 0;
    this.start = 0;
    return lines;
  }
}

/** The last `capacity` bytes of a stream; push() returns the bytes that fall out of the window. */
export class ByteWindow {
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;

  constructor(private readonly capacity: number, private readonly ctx: ToolContext) {}

  push(chunk: Uint8Array): Uint8Array[] {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    this.ctx.reserve(chunk.length);
    const out: Uint8Array[] = [];
    while (this.heldBytes > this.capacity) {
      const first = this.held[0]!;
      const excess = this.heldBytes - this.capacity;
      if (first.length <= excess) {
        this.held.shift();
        out.push(first);
        this.heldBytes -= first.length;
        this.ctx.release(first.length);
      } else {
        out.push(first.subarray(0, excess));
        this.held[0] = first.subarray(excess);
        this.heldBytes -= excess;
        this.ctx.release(excess);
      }
    }
    return out;
  }

  drain(): Uint8Array[] {
    const out = this.held.splice(0);
    this.ctx.release(this.heldBytes);
    this.heldBytes = 0;
    return out;
  }
}
