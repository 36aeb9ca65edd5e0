// cat: copies its stdin. -n numbers lines, -b numbers non-empty lines, -s squeezes runs of empty
// lines, -E marks line ends with $, -T shows tabs as ^I, -v shows other non-printing bytes in ^
// and M- notation; -A is -vET, -e is -vE, -t is -vT.
import { OutBuffer } from '../exec/bytes.js';
import { getopt, refuseFiles } from '../exec/getopt.js';
import { chunks, lineBatches, type Builtin, type ToolRun } from '../exec/tool.js';

interface CatOptions {
  number: boolean;
  numberNonBlank: boolean;
  squeeze: boolean;
  ends: boolean;
  tabs: boolean;
  nonPrinting: boolean;
}

export const cat: Builtin = {
  name: 'cat',
  prepare(args) {
    const { options, operands } = getopt('cat', args, { flags: 'nbsETvAetu', valued: '' });
    refuseFiles('cat', operands);
    const o: CatOptions = { number: false, numberNonBlank: false, squeeze: false, ends: false, tabs: false, nonPrinting: false };
    for (const { name } of options) {
      if (name === 'n') o.number = true;
      if (name === 'b') o.numberNonBlank = true;
      if (name === 's') o.squeeze = true;
      if (name === 'E' || name === 'A' || name === 'e') o.ends = true;
      if (name === 'T' || name === 'A' || name === 't') o.tabs = true;
      if (name === 'v' || name === 'A' || name === 'e' || name === 't') o.nonPrinting = true;
    }
    const plain = !o.number && !o.numberNonBlank && !o.squeeze && !o.ends && !o.tabs && !o.nonPrinting;
    return plain ? copy : decorated(o);
  },
};

const copy: ToolRun = async function* (stdin, ctx) {
  for await (const chunk of chunks(stdin, ctx)) yield chunk;
  return 0;
};

function decorated(o: CatOptions): ToolRun {
  return async function* (stdin, ctx) {
    const out = new OutBuffer();
    let lineNo = 0;
    let previousBlank = false;
    for await (const batch of lineBatches(stdin, ctx)) {
      const n = batch.lines.length;
      for (let i = 0; i < n; i++) {
        const line = batch.lines[i]!;
        const terminated = !(batch.lastUnterminated && i === n - 1);
        const blank = line.length === 0 && terminated;
        if (o.squeeze && blank && previousBlank) continue;
        previousBlank = blank;
        if (o.numberNonBlank ? !blank : o.number) out.write(`${String(++lineNo).padStart(6)}\t`);
        out.write(o.nonPrinting || o.tabs ? visible(line, o) : line);
        if (terminated) out.write(o.ends ? '$\n' : '\n');
      }
      if (out.full) yield out.take();
    }
    if (!out.empty) yield out.take();
    return 0;
  };
}

/** A line with tabs as ^I (-T) and other non-printing bytes in ^X and M-X notation (-v). */
function visible(line: string, o: CatOptions): string {
  let s = '';
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 9) s += o.tabs ? '^I' : '\t';
    else if (!o.nonPrinting) s += line[i];
    else s += caret(c);
  }
  return s;
}

function caret(c: number): string {
  if (c >= 128) return `M-${caret(c - 128)}`;
  if (c === 127) return '^?';
  if (c < 32) return `^${String.fromCharCode(c + 64)}`;
  return String.fromCharCode(c);
}
