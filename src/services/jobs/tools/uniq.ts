// uniq: one line of each run of equal adjacent lines, with -c counts, -d only repeated runs, -u
// only single lines; -i compares without case, -f N skips N fields (blanks then non-blanks),
// -s N skips N bytes and -w N compares at most N bytes. It holds one line at a time.
import { lowerBinary } from '../exec/ctype.js';
import { OutBuffer } from '../exec/bytes.js';
import { getopt, parseCount, refuseFiles } from '../exec/getopt.js';
import { lineBatches, type Builtin } from '../exec/tool.js';

interface UniqOptions {
  count: boolean;
  repeated: boolean;
  unique: boolean;
  ignoreCase: boolean;
  skipFields: number;
  skipChars: number;
  checkChars: number;
}

export const uniq: Builtin = {
  name: 'uniq',
  prepare(args) {
    const { options, operands } = getopt('uniq', args, {
      flags: 'cdui',
      valued: 'fsw',
      long: { count: 'c', repeated: 'd', unique: 'u', 'ignore-case': 'i', 'skip-fields': 'f', 'skip-chars': 's', 'check-chars': 'w' },
    });
    refuseFiles('uniq', operands);
    const o: UniqOptions = { count: false, repeated: false, unique: false, ignoreCase: false, skipFields: 0, skipChars: 0, checkChars: Infinity };
    for (const { name, value } of options) {
      if (name === 'c') o.count = true;
      if (name === 'd') o.repeated = true;
      if (name === 'u') o.unique = true;
      if (name === 'i') o.ignoreCase = true;
      if (name === 'f') o.skipFields = parseCount('uniq', 'f', value);
      if (name === 's') o.skipChars = parseCount('uniq', 's', value);
      if (name === 'w') o.checkChars = parseCount('uniq', 'w', value);
    }
    const plainKey = o.skipFields === 0 && o.skipChars === 0 && o.checkChars === Infinity && !o.ignoreCase;
    const keyOf = plainKey ? (line: string) => line : (line: string) => key(line, o);
    return async function* (stdin, ctx) {
      const out = new OutBuffer();
      let first: string | undefined;
      let firstKey = '';
      let n = 0;
      const flush = () => {
        if (first === undefined) return;
        if ((o.repeated && n < 2) || (o.unique && n > 1)) return;
        out.write(o.count ? `${String(n).padStart(7)} ${first}\n` : `${first}\n`);
      };
      for await (const batch of lineBatches(stdin, ctx)) {
        for (const line of batch.lines) {
          const k = keyOf(line);
          if (first !== undefined && k === firstKey) {
            n++;
            continue;
          }
          flush();
          first = line;
          firstKey = k;
          n = 1;
        }
        if (out.full) yield out.take();
      }
      flush();
      if (!out.empty) yield out.take();
      return 0;
    };
  },
};

/** The part of a line uniq compares. */
function key(line: string, o: UniqOptions): string {
  let i = 0;
  for (let f = 0; f < o.skipFields && i < line.length; f++) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
  }
  i = Math.min(line.length, i + o.skipChars);
  const k = o.checkChars === Infinity ? line.slice(i) : line.slice(i, i + o.checkChars);
  return o.ignoreCase ? lowerBinary(k) : k;
}
