// wc: counts of its stdin's lines (-l), words (-w), characters (-m) and bytes (-c), in that
// order, all but -m by default. In the C locale a character is a byte. A word is a run of
// printable non-blank bytes; blanks (space, \t, \n, \v, \f, \r) end it, and other bytes (controls,
// bytes ≥ 0x80) neither start nor end one, as GNU wc counts. Several counts print 7 wide, one alone
// prints bare, as GNU wc does for a pipe.
import { binaryToBytes } from '../exec/bytes.js';
import { getopt, refuseFiles } from '../exec/getopt.js';
import { chunks, type Builtin } from '../exec/tool.js';

/** 0: transparent, 1: separator, 2: printable word byte. */
const CLASS = new Uint8Array(256);
for (let c = 33; c < 127; c++) CLASS[c] = 2;
for (const c of [9, 10, 11, 12, 13, 32]) CLASS[c] = 1;

export const wc: Builtin = {
  name: 'wc',
  prepare(args) {
    const { options, operands } = getopt('wc', args, { flags: 'lwmc', valued: '', long: { lines: 'l', words: 'w', chars: 'm', bytes: 'c' } });
    refuseFiles('wc', operands);
    const want = new Set(options.map((o) => o.name));
    if (want.size === 0) ['l', 'w', 'c'].forEach((f) => want.add(f));
    return async function* (stdin, ctx) {
      let lines = 0;
      let words = 0;
      let bytes = 0;
      let inWord = false;
      for await (const chunk of chunks(stdin, ctx)) {
        bytes += chunk.length;
        if (!want.has('w')) {
          for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
          continue;
        }
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i]!;
          const k = CLASS[c]!;
          if (k === 2) {
            if (!inWord) {
              words++;
              inWord = true;
            }
          } else if (k === 1) {
            inWord = false;
            if (c === 10) lines++;
          }
        }
      }
      const counts: number[] = [];
      if (want.has('l')) counts.push(lines);
      if (want.has('w')) counts.push(words);
      if (want.has('m')) counts.push(bytes);
      if (want.has('c')) counts.push(bytes);
      const text = counts.length === 1 ? String(counts[0]) : counts.map((n) => String(n).padStart(7)).join(' ');
      yield binaryToBytes(`${text}\n`);
      return 0;
    };
  },
};
