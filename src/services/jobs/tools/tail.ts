// tail: the last lines (-n N, default 10, or -NUM) or bytes (-c N) of its stdin, holding only
// those N in memory; with -n +N or -c +N, everything from line or byte N on, streamed.
import { binaryToBytes } from '../exec/bytes.js';
import { chunks, lineBatches, type Builtin, type ToolRun } from '../exec/tool.js';
import { parseAmount } from './head.js';
import { ByteWindow, LineRing } from './held.js';

export const tail: Builtin = {
  name: 'tail',
  prepare(args) {
    const { amount } = parseAmount('tail', args, '+');
    if (amount.other) return amount.unit === 'lines' ? fromLine(amount.count) : fromByte(amount.count);
    return amount.unit === 'lines' ? lastLines(amount.count) : lastBytes(amount.count);
  },
};

function lastLines(count: number): ToolRun {
  return async function* (stdin, ctx) {
    const ring = new LineRing(count, ctx);
    let unterminated = false;
    for await (const batch of lineBatches(stdin, ctx)) {
      for (const line of batch.lines) ring.push(line);
      unterminated = batch.lastUnterminated;
    }
    const lines = ring.drain();
    if (lines.length === 0) return 0;
    yield binaryToBytes(lines.join('\n') + (unterminated ? '' : '\n'));
    return 0;
  };
}

function lastBytes(count: number): ToolRun {
  return async function* (stdin, ctx) {
    const window = new ByteWindow(count, ctx);
    for await (const chunk of chunks(stdin, ctx)) window.push(chunk);
    for (const chunk of window.drain()) yield chunk;
    return 0;
  };
}

/** Lines from the Nth on (N of 0 or 1 is everything). */
function fromLine(n: number): ToolRun {
  return async function* (stdin, ctx) {
    let skip = Math.max(0, n - 1);
    for await (const chunk of chunks(stdin, ctx)) {
      let at = 0;
      while (skip > 0) {
        const nl = chunk.indexOf(10, at);
        if (nl < 0) break;
        at = nl + 1;
        skip--;
      }
      if (skip === 0) yield at === 0 ? chunk : chunk.subarray(at);
    }
    return 0;
  };
}

function fromByte(n: number): ToolRun {
  return async function* (stdin, ctx) {
    let skip = Math.max(0, n - 1);
    for await (const chunk of chunks(stdin, ctx)) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      yield skip === 0 ? chunk : chunk.subarray(skip);
      skip = 0;
    }
    return 0;
  };
}
