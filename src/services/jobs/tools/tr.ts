// tr: translate (SET1 → SET2), delete (-d), squeeze repeats (-s) and complement SET1 (-c or -C),
// with -t truncating SET1 to SET2's length. It works on bytes through lookup tables, so it
// streams at the speed of a loop over the input.
import { ExecRefusedError } from '../exec/errors.js';
import { getopt } from '../exec/getopt.js';
import { chunks, type Builtin } from '../exec/tool.js';
import { expandSet1, expandSet2, parseSet } from './tr-sets.js';

interface TrTables {
  /** The byte each byte becomes (identity when not translating). */
  map: Uint8Array;
  /** 1 where the byte is deleted. */
  del: Uint8Array;
  /** 1 where a run of the (output) byte is squeezed to one. */
  squeeze: Uint8Array;
}

export const tr: Builtin = {
  name: 'tr',
  prepare(args) {
    const { options, operands } = getopt('tr', args, { flags: 'cCdst', valued: '', long: { complement: 'c', delete: 'd', 'squeeze-repeats': 's', 'truncate-set1': 't' } });
    const has = (f: string) => options.some((o) => o.name === f);
    const tables = buildTables(operands, has('c') || has('C'), has('d'), has('s'), has('t'));
    return async function* (stdin, ctx) {
      const { map, del, squeeze } = tables;
      let last = -1;
      for await (const chunk of chunks(stdin, ctx)) {
        const out = new Uint8Array(chunk.length);
        let n = 0;
        for (let i = 0; i < chunk.length; i++) {
          const b = chunk[i]!;
          if (del[b] === 1) continue;
          const c = map[b]!;
          if (c === last && squeeze[c] === 1) continue;
          out[n++] = c;
          last = c;
        }
        if (n > 0) yield out.subarray(0, n);
      }
      return 0;
    };
  },
};

function buildTables(operands: string[], complement: boolean, deleting: boolean, squeezing: boolean, truncate: boolean): TrTables {
  const wanted = deleting && !squeezing ? 1 : deleting || !squeezing ? 2 : operands.length === 1 ? 1 : 2;
  if (operands.length < wanted) throw new ExecRefusedError(operands.at(-1) ?? 'tr', `tr: missing operand${operands.length === 0 ? '' : ` after '${operands.at(-1)}'`}`);
  if (operands.length > wanted) throw new ExecRefusedError(operands[wanted]!, `tr: extra operand '${operands[wanted]}'`);
  const map = new Uint8Array(256).map((_, i) => i);
  const del = new Uint8Array(256);
  const squeeze = new Uint8Array(256);
  const el1 = parseSet(operands[0]!, false);
  let set1 = expandSet1(el1);
  if (complement) {
    const inSet = new Set(set1);
    set1 = [];
    for (let b = 0; b < 256; b++) if (!inSet.has(b)) set1.push(b);
  }
  const translating = !deleting && operands.length === 2;
  if (translating && /\[=.=\]/s.test(operands[1]!)) throw new ExecRefusedError(operands[1]!, 'tr: [=c=] expressions may not appear in string2 when translating');
  const el2 = operands.length === 2 ? parseSet(operands[1]!, true) : [];
  let set2 = expandSet2(el1, el2, set1.length, translating);
  if (deleting) for (const b of set1) del[b] = 1;
  if (translating) {
    if (truncate) set1 = set1.slice(0, set2.length);
    else if (set2.length === 0 && set1.length > 0) throw new ExecRefusedError(operands[1]!, 'tr: when not truncating set1, string2 must be non-empty');
    if (complement && el1.some((e) => e.t === 'class') && (new Set(set2).size > 1 || set2.length < set1.length && truncate)) {
      throw new ExecRefusedError(operands[1]!, 'tr: when translating with complemented character classes, string2 must map all characters in the domain to one');
    }
    if (set2.length < set1.length) set2 = [...set2, ...new Array<number>(set1.length - set2.length).fill(set2.at(-1) ?? 0)];
    for (let i = 0; i < set1.length; i++) map[set1[i]!] = set2[i]!;
  }
  if (squeezing) for (const b of operands.length === 2 ? set2 : set1) squeeze[b] = 1;
  return { map, del, squeeze };
}
