// sort: the lines of its stdin in order (see keys.ts for the ordering). It holds at most the
// buffer's bound of lines in memory (limits.sortBufferBytes); past it, it sorts what it holds
// into a run, spills the run to the task's Store and merges the runs at the end (runs.ts). -u
// keeps the first of each set of equal lines, as GNU sort does.
import { OutBuffer } from '../../exec/bytes.js';
import type { ToolContext } from '../../exec/context.js';
import { ExecRefusedError, LimitExceededError } from '../../exec/errors.js';
import { getopt, refuseFiles } from '../../exec/getopt.js';
import { LINE_OVERHEAD_BYTES } from '../../exec/limits.js';
import { lineBatches, type Builtin, type ToolRun } from '../../exec/tool.js';
import { applyKeyFlags, fullCompare, hasNoOptions, keyCompare, parseKey, type Compare, type KeyDef, type SortOrder } from './keys.js';
import { CountedSource, Merger, RunStore, type LineSource } from './runs.js';

/** What a distinct held line costs beyond its bytes: a Map entry and its string's header. */
const DISTINCT_LINE_OVERHEAD_BYTES = 96;

/** Lines the final merge emits between two chunks of output. */
const MERGE_SLICE_LINES = 4096;

export const sort: Builtin = {
  name: 'sort',
  prepare(args) {
    return sortRun(parseSortArgs(args));
  },
};

export function parseSortArgs(args: readonly string[]): SortOrder {
  const { options, operands } = getopt('sort', args, {
    flags: 'bdfinrsu',
    valued: 'tk',
    long: { 'ignore-leading-blanks': 'b', 'dictionary-order': 'd', 'ignore-case': 'f', 'ignore-nonprinting': 'i', 'numeric-sort': 'n', reverse: 'r', stable: 's', unique: 'u', 'field-separator': 't', key: 'k' },
  });
  refuseFiles('sort', operands);
  const global: KeyDef = { sword: -1, schar: 0, eword: -1, echar: 0, skipStartBlanks: false, skipEndBlanks: false, dictionary: false, fold: false, printable: false, numeric: false, reverse: false };
  const order: SortOrder = { keys: [], tab: undefined, reverse: false, stable: false, unique: false };
  for (const { name, value } of options) {
    if (name === 'k') order.keys.push(parseKey(value));
    else if (name === 't') {
      if (value.length !== 1) throw new ExecRefusedError(value, value === '' ? 'sort: empty tab' : 'sort: multi-character tab');
      if (order.tab !== undefined && order.tab !== value) throw new ExecRefusedError(value, 'sort: incompatible tabs');
      order.tab = value;
    } else if (name === 's') order.stable = true;
    else if (name === 'u') order.unique = true;
    else if (name === 'b') {
      global.skipStartBlanks = global.skipEndBlanks = true;
    } else applyKeyFlags(global, name, false, `-${name}`);
  }
  order.reverse = global.reverse;
  for (const k of order.keys) {
    if (hasNoOptions(k) && !k.reverse) Object.assign(k, { ...global, sword: k.sword, schar: k.schar, eword: k.eword, echar: k.echar });
  }
  if (order.keys.length === 0 && !hasNoOptions(global)) order.keys.push(global);
  for (const k of order.keys) {
    // GNU sort refuses a numeric key that also ignores characters.
    if (k.numeric && (k.dictionary || k.printable)) throw new ExecRefusedError(`-${k.dictionary ? 'd' : 'i'}n`, `sort: options '-${k.dictionary ? 'd' : 'i'}n' are incompatible`);
  }
  return order;
}

function sortRun(order: SortOrder): ToolRun {
  const compare = fullCompare(order);
  const equal: Compare = keyCompare(order) ?? ((a, b) => (a === b ? 0 : 1));
  return async function* (stdin, ctx) {
    const spill = ctx.task.spill === undefined ? undefined : new RunStore(ctx.task.spill, ctx.spillPrefix);
    const runs: number[] = [];
    let buffer = new SortBuffer(order, compare);
    let heldBytes = 0;
    try {
      for await (const batch of lineBatches(stdin, ctx)) {
        let batchBytes = 0;
        for (const line of batch.lines) batchBytes += buffer.add(line);
        ctx.reserve(batchBytes);
        heldBytes += batchBytes;
        if (heldBytes >= ctx.limits.sortBufferBytes) {
          if (spill === undefined) throw new LimitExceededError('memory', `sort: input is larger than its ${ctx.limits.sortBufferBytes}-byte buffer and there is no spill store`);
          runs.push(await writeRun(spill, buffer.sorted(), ctx));
          buffer = new SortBuffer(order, compare);
          ctx.release(heldBytes);
          heldBytes = 0;
        }
      }
      const sorted = buffer.sorted();
      if (runs.length > 0) await mergePasses(spill!, runs, compare, ctx);
      const sources: LineSource[] = [...runs.map((r) => spill!.reader(r)), sorted];
      const merger = new Merger(sources, compare);
      await merger.start();
      const out = new OutBuffer();
      let previous: string | undefined;
      const emit = (line: string): undefined => {
        if (order.unique && previous !== undefined && equal(previous, line) === 0) return undefined;
        previous = line;
        out.write(line);
        out.write('\n');
        return undefined;
      };
      for (;;) {
        const more = await merger.pull(MERGE_SLICE_LINES, emit);
        if (out.full || (!more && !out.empty)) yield out.take();
        if (!more) break;
        if (ctx.work(MERGE_SLICE_LINES * 16)) await ctx.pause();
      }
      ctx.release(heldBytes);
      return 0;
    } finally {
      if (spill !== undefined && spill.spilledBytes > 0) {
        ctx.task.spilledBytes += spill.spilledBytes;
        await spill.clear();
      }
    }
  };
}

/**
 * The lines sort holds before it sorts them. Byte-identical lines are held once with a count
 * unless the sort is stable with keys: in every other order identical lines compare equal and so
 * end up next to each other, whatever their places in the input, and the output is the same. A
 * word count's sort thus holds each distinct word once, and sorts far fewer lines.
 */
class SortBuffer {
  private readonly counts = new Map<string, number>();
  private readonly lines: string[] = [];
  private readonly grouped: boolean;

  constructor(private readonly order: SortOrder, private readonly compare: Compare) {
    this.grouped = order.keys.length === 0 || !order.stable;
  }

  /** Hold a line; returns the bytes of memory it took. */
  add(line: string): number {
    if (!this.grouped) {
      this.lines.push(line);
      return line.length + LINE_OVERHEAD_BYTES;
    }
    const c = this.counts.get(line);
    if (c !== undefined) {
      this.counts.set(line, c + 1);
      return 0;
    }
    this.counts.set(line, 1);
    return line.length + DISTINCT_LINE_OVERHEAD_BYTES;
  }

  /** The held lines in order, as a merge source; the native sort is byte order for binary strings. */
  sorted(): CountedSource {
    if (!this.grouped) return new CountedSource(this.lines.sort(this.compare), undefined);
    const lines = [...this.counts.keys()];
    if (this.order.keys.length === 0) {
      lines.sort();
      if (this.order.reverse) lines.reverse();
    } else lines.sort(this.compare);
    return new CountedSource(lines, this.counts);
  }
}

async function writeRun(spill: RunStore, source: CountedSource, ctx: ToolContext): Promise<number> {
  const w = spill.writer();
  let lines = 0;
  for (source.next(); source.current !== undefined; source.next()) {
    const p = w.push(source.current);
    if (p !== undefined) await p;
    lines++;
  }
  if (ctx.work(lines * 16)) await ctx.pause();
  return w.finish();
}

/** Merge runs in groups of the merge fan until few enough are left for the final merge. */
async function mergePasses(spill: RunStore, runs: number[], compare: Compare, ctx: ToolContext): Promise<void> {
  const fan = Math.max(2, ctx.limits.sortMergeFan - 1);
  while (runs.length > fan) {
    // Consecutive runs merge into one that takes their place, so earlier input stays earlier.
    const merged: number[] = [];
    for (let i = 0; i < runs.length; i += fan) {
      const group = runs.slice(i, i + fan);
      if (group.length === 1) {
        merged.push(group[0]!);
        continue;
      }
      const merger = new Merger(group.map((r) => spill.reader(r)), compare);
      await merger.start();
      const w = spill.writer();
      while (await merger.pull(MERGE_SLICE_LINES, (line) => w.push(line))) {
        if (ctx.work(MERGE_SLICE_LINES * 16)) await ctx.pause();
      }
      merged.push(await w.finish());
      for (const r of group) await spill.drop(r);
    }
    runs.splice(0, runs.length, ...merged);
  }
}
