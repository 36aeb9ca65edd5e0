// head: the first lines (-n N, default 10, or -NUM) or bytes (-c N) of its stdin; with -n -N or
// -c -N, all but the last N. It stops reading as soon as it has what it needs, which closes the
// pipe and stops the stages before it (as SIGPIPE would).
import { binaryToBytes } from '../exec/bytes.js';
import { ExecRefusedError } from '../exec/errors.js';
import { getopt, parseCount, refuseFiles } from '../exec/getopt.js';
import { chunks, lineBatches, type Builtin, type ToolRun } from '../exec/tool.js';
import { ByteWindow, LineRing } from './held.js';

/** How many lines or bytes, and whether to keep all but that many (-n -N). */
export interface Amount {
  unit: 'lines' | 'bytes';
  count: number;
  /** head: all but the last `count`; tail: from line/byte `count` on (+N). */
  other: boolean;
}

/** -n/-c values and the obsolete -NUM first argument, shared by head and tail. */
export function parseAmount(command: string, args: readonly string[], otherSign: '-' | '+'): { amount: Amount; operands: string[] } {
  let rest = args;
  let amount: Amount = { unit: 'lines', count: 10, other: false };
  const first = args[0];
  if (first !== undefined && /^-[0-9]+$/.test(first)) {
    amount = { unit: 'lines', count: parseCount(command, 'n', first.slice(1)), other: false };
    rest = args.slice(1);
  }
  const { options, operands } = getopt(command, rest, { flags: 'qv', valued: 'nc', long: { lines: 'n', bytes: 'c', quiet: 'q', silent: 'q', verbose: 'v' } });
  for (const { name, value } of options) {
    if (name === 'v') throw new ExecRefusedError('-v', `${command}: -v (headers) is not supported`);
    if (name !== 'n' && name !== 'c') continue;
    const other = value.startsWith(otherSign);
    const digits = other || (otherSign === '-' && value.startsWith('+')) || (otherSign === '+' && value.startsWith('-')) ? value.slice(1) : value;
    amount = { unit: name === 'n' ? 'lines' : 'bytes', count: parseCount(command, name, digits), other };
  }
  refuseFiles(command, operands);
  return { amount, operands };
}

export const head: Builtin = {
  name: 'head',
  prepare(args) {
    const { amount } = parseAmount('head', args, '-');
    if (amount.other) return amount.unit === 'lines' ? allButLastLines(amount.count) : allButLastBytes(amount.count);
    return amount.unit === 'lines' ? firstLines(amount.count) : firstBytes(amount.count);
  },
};

function firstLines(count: number): ToolRun {
  return async function* (stdin, ctx) {
    let left = count;
    if (left === 0) return 0;
    for await (const chunk of chunks(stdin, ctx)) {
      let at = 0;
      while (left > 0) {
        const nl = chunk.indexOf(10, at);
        if (nl < 0) break;
        at = nl + 1;
        left--;
      }
      if (left === 0) {
        yield chunk.subarray(0, at);
        return 0;
      }
      yield chunk;
    }
    return 0;
  };
}

function firstBytes(count: number): ToolRun {
  return async function* (stdin, ctx) {
    let left = count;
    if (left === 0) return 0;
    for await (const chunk of chunks(stdin, ctx)) {
      if (chunk.length >= left) {
        yield chunk.subarray(0, left);
        return 0;
      }
      left -= chunk.length;
      yield chunk;
    }
    return 0;
  };
}

function allButLastLines(count: number): ToolRun {
  if (count === 0) return firstBytes(Infinity);
  return async function* (stdin, ctx) {
    const ring = new LineRing(count, ctx);
    for await (const batch of lineBatches(stdin, ctx)) {
      let text = '';
      for (const line of batch.lines) {
        const out = ring.push(line);
        if (out !== undefined) text += `${out}\n`;
      }
      if (text !== '') yield binaryToBytes(text);
    }
    ring.drain();
    return 0;
  };
}

function allButLastBytes(count: number): ToolRun {
  return async function* (stdin, ctx) {
    const window = new ByteWindow(count, ctx);
    for await (const chunk of chunks(stdin, ctx)) for (const out of window.push(chunk)) yield out;
    window.drain();
    return 0;
  };
}
