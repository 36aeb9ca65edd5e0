// cut: selected bytes (-b), characters (-c, bytes in the C locale) or fields (-f, split by -d's
// byte, tab by default) of each line. -s drops lines without a delimiter, --complement selects the
// rest, --output-delimiter joins the pieces. Lists are N, N-M, N- and -M, separated by commas.
import { OutBuffer } from '../exec/bytes.js';
import { ExecRefusedError, LimitExceededError } from '../exec/errors.js';
import { getopt, refuseFiles } from '../exec/getopt.js';
import { lineBatches, type Builtin } from '../exec/tool.js';

const COMPLEMENT = '\u0001';
const OUTPUT_DELIMITER = '\u0002';

/** Sorted, merged 1-based inclusive ranges; `to` is Infinity for N-. */
type Ranges = Array<{ from: number; to: number }>;

export const cut: Builtin = {
  name: 'cut',
  prepare(args) {
    const { options, operands } = getopt('cut', args, {
      flags: `sn${COMPLEMENT}`,
      valued: `bcfd${OUTPUT_DELIMITER}`,
      long: { bytes: 'b', characters: 'c', fields: 'f', delimiter: 'd', 'only-delimited': 's', complement: COMPLEMENT, 'output-delimiter': OUTPUT_DELIMITER },
    });
    refuseFiles('cut', operands);
    const lists = options.filter((o) => 'bcf'.includes(o.name));
    if (lists.length === 0) throw new ExecRefusedError('cut', 'cut: you must specify a list of bytes, characters, or fields');
    if (new Set(lists.map((o) => o.name === 'c' ? 'b' : o.name)).size > 1 || lists.length > 1) throw new ExecRefusedError(`-${lists[1]!.name}`, 'cut: only one type of list may be specified');
    const fields = lists[0]!.name === 'f';
    const ranges = parseList(lists[0]!.value);
    const value = (n: string) => options.filter((o) => o.name === n).at(-1)?.value;
    const delim = value('d');
    if (delim !== undefined && !fields) throw new ExecRefusedError(`-d`, 'cut: an input delimiter may be specified only when operating on fields');
    if (delim !== undefined && delim.length !== 1) throw new ExecRefusedError(delim, 'cut: the delimiter must be a single character');
    const onlyDelimited = options.some((o) => o.name === 's');
    if (onlyDelimited && !fields) throw new ExecRefusedError('-s', 'cut: suppressing non-delimited lines makes sense only when operating on fields');
    const complement = options.some((o) => o.name === COMPLEMENT);
    const inDelim = delim ?? '\t';
    const outDelim = value(OUTPUT_DELIMITER) ?? (fields ? inDelim : undefined);
    const selected = complement ? invert(ranges) : ranges;
    return async function* (stdin, ctx) {
      const out = new OutBuffer();
      for await (const batch of lineBatches(stdin, ctx)) {
        for (const line of batch.lines) {
          if (!fields) {
            out.write(`${pickBytes(line, selected, outDelim)}\n`);
            continue;
          }
          if (!line.includes(inDelim)) {
            if (!onlyDelimited) out.write(`${line}\n`);
            continue;
          }
          const parts = line.split(inDelim);
          if (parts.length > ctx.limits.fields) throw new LimitExceededError('fields', `cut: a line has more than ${ctx.limits.fields} fields`);
          out.write(`${pickFields(parts, selected, outDelim!)}\n`);
        }
        if (out.full) yield out.take();
      }
      if (!out.empty) yield out.take();
      return 0;
    };
  },
};

function parseList(list: string): Ranges {
  const ranges: Ranges = [];
  for (const item of list.split(/[, \t]/)) {
    const m = /^([0-9]*)(-?)([0-9]*)$/.exec(item);
    if (item === '' || m === null || (m[1] === '' && m[3] === '' )) throw new ExecRefusedError(list, item === '-' ? "cut: invalid range with no endpoint: -" : `cut: invalid list '${list}'`);
    const from = m[1] === '' ? 1 : Number(m[1]);
    const to = m[2] === '' ? from : m[3] === '' ? Infinity : Number(m[3]);
    if (from === 0 || to === 0) throw new ExecRefusedError(list, 'cut: fields and positions are numbered from 1');
    if (to < from) throw new ExecRefusedError(list, 'cut: invalid decreasing range');
    ranges.push({ from, to });
  }
  ranges.sort((a, b) => a.from - b.from);
  const merged: Ranges = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    // Overlapping ranges merge; adjacent ones stay apart, so --output-delimiter goes between them, as in GNU cut.
    if (last !== undefined && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else merged.push({ ...r });
  }
  return merged;
}

function invert(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 1;
  for (const r of ranges) {
    if (r.from > next) out.push({ from: next, to: r.from - 1 });
    next = r.to + 1;
  }
  if (next !== Infinity) out.push({ from: next, to: Infinity });
  return out;
}

function pickBytes(line: string, ranges: Ranges, outDelim: string | undefined): string {
  const pieces: string[] = [];
  for (const r of ranges) {
    if (r.from > line.length) break;
    pieces.push(line.slice(r.from - 1, Math.min(r.to, line.length)));
  }
  return pieces.join(outDelim ?? '');
}

function pickFields(parts: string[], ranges: Ranges, outDelim: string): string {
  const picked: string[] = [];
  for (const r of ranges) {
    if (r.from > parts.length) break;
    for (let i = r.from; i <= Math.min(r.to, parts.length); i++) picked.push(parts[i - 1]!);
  }
  return picked.join(outDelim);
}
