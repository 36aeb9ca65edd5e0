// sort's external runs. When the lines held pass the buffer's bound, sort orders them and writes
// them as a run to the task's spill Store (blocks of lines under the stage's key prefix); at the
// end it merges the runs with a heap, the earlier run first on ties, so a stable sort stays
// stable. More runs than the merge fan are merged in passes. Every key is deleted at the end,
// whether the task ends well or not.
import type { Store } from '../../../../env/ports.js';
import { binaryToBytes, bytesToBinary } from '../../exec/bytes.js';
import type { Compare } from './keys.js';

/** The bytes of one stored block of a run. */
export const RUN_BLOCK_BYTES = 128 * 1024;

const enc = new TextEncoder();
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export class RunStore {
  private nextRun = 0;
  spilledBytes = 0;

  constructor(private readonly store: Store, private readonly prefix: string) {}

  private key(run: number, block: number): Uint8Array {
    return enc.encode(`${this.prefix}/${hex8(run)}/${hex8(block)}`);
  }

  /** A writer of a new run: push sorted lines, then finish() to get the run's number. */
  writer(): RunWriter {
    const run = this.nextRun++;
    let block = 0;
    return new RunWriter(run, async (bytes) => {
      await this.store.put(this.key(run, block++), bytes);
      this.spilledBytes += bytes.length;
    });
  }

  /** A reader of one run's lines, one block in memory at a time. */
  reader(run: number): RunReader {
    return new RunReader((block) => this.store.get(this.key(run, block)));
  }

  /** Forget one run's blocks. */
  async drop(run: number): Promise<void> {
    await this.store.delRange({ gte: enc.encode(`${this.prefix}/${hex8(run)}/`), lt: enc.encode(`${this.prefix}/${hex8(run)}0`) });
  }

  /** Forget every run. */
  async clear(): Promise<void> {
    await this.store.delRange({ gte: enc.encode(`${this.prefix}/`), lt: enc.encode(`${this.prefix}0`) });
  }
}

export class RunWriter {
  private parts: string[] = [];
  private bytes = 0;

  constructor(readonly run: number, private readonly put: (bytes: Uint8Array) => Promise<void>) {}

  /** Add a line; a promise only when a full block is being stored. */
  push(line: string): Promise<void> | undefined {
    this.parts.push(line, '\n');
    this.bytes += line.length + 1;
    return this.bytes >= RUN_BLOCK_BYTES ? this.flush() : undefined;
  }

  async finish(): Promise<number> {
    if (this.bytes > 0) await this.flush();
    return this.run;
  }

  private async flush(): Promise<void> {
    const value = binaryToBytes(this.parts.join(''));
    this.parts = [];
    this.bytes = 0;
    await this.put(value);
  }
}

/** Something the merge reads lines from, in order. */
export interface LineSource {
  /** The current line, or undefined at the end (after the first next()). */
  current: string | undefined;
  /** Move to the next line; a promise only when a block has to be loaded first. */
  next(): Promise<void> | undefined;
}

export class RunReader implements LineSource {
  current: string | undefined;
  private lines: string[] = [];
  private at = 0;
  private block = 0;
  private done = false;

  constructor(private readonly fetch: (block: number) => Promise<Uint8Array | undefined>) {}

  next(): Promise<void> | undefined {
    if (this.at < this.lines.length || this.done) {
      this.current = this.at < this.lines.length ? this.lines[this.at++] : undefined;
      return undefined;
    }
    return this.load();
  }

  private async load(): Promise<void> {
    while (this.at >= this.lines.length && !this.done) {
      const bytes = await this.fetch(this.block++);
      if (bytes === undefined) this.done = true;
      else {
        this.lines = bytesToBinary(bytes).split('\n');
        this.lines.pop();
        this.at = 0;
      }
    }
    this.current = this.at < this.lines.length ? this.lines[this.at++] : undefined;
  }
}

/** Lines of an in-memory sorted array, each repeated as often as `counts` says (once without it), as a merge source. */
export class CountedSource implements LineSource {
  current: string | undefined;
  private at = 0;
  private left = 0;

  constructor(private readonly lines: string[], private readonly counts: ReadonlyMap<string, number> | undefined) {}

  next(): undefined {
    if (this.left > 0) {
      this.left--;
      return undefined;
    }
    if (this.at >= this.lines.length) {
      this.current = undefined;
      return undefined;
    }
    const line = this.lines[this.at++]!;
    this.current = line;
    this.left = (this.counts?.get(line) ?? 1) - 1;
    return undefined;
  }
}

/**
 * Merges sorted sources, smallest first; on ties the source with the lower index (the earlier
 * run) goes first. A binary heap of source indexes keeps each step O(log k).
 */
export class Merger {
  private heap: number[] = [];

  constructor(private readonly sources: LineSource[], private readonly compare: Compare) {}

  async start(): Promise<void> {
    for (const s of this.sources) await s.next();
    this.heap = this.sources.map((_, i) => i).filter((i) => this.sources[i]!.current !== undefined);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** Emit up to `count` lines; false once every source is exhausted. */
  async pull(count: number, emit: (line: string) => Promise<void> | undefined): Promise<boolean> {
    const heap = this.heap;
    for (let n = 0; n < count && heap.length > 0; n++) {
      const top = this.sources[heap[0]!]!;
      const emitted = emit(top.current!);
      if (emitted !== undefined) await emitted;
      const moved = top.next();
      if (moved !== undefined) await moved;
      if (top.current === undefined) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      if (heap.length > 0) this.down(0);
    }
    return heap.length > 0;
  }

  private less(i: number, j: number): boolean {
    const d = this.compare(this.sources[i]!.current!, this.sources[j]!.current!);
    return d < 0 || (d === 0 && i < j);
  }

  private down(at: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let m = at;
      if (l < heap.length && this.less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && this.less(heap[r]!, heap[m]!)) m = r;
      if (m === at) return;
      [heap[at], heap[m]] = [heap[m]!, heap[at]!];
      at = m;
    }
  }
}
