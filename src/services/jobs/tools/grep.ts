// grep: the lines of its stdin that match any of its patterns (BRE by default, -E extended, -F
// fixed strings), with -i (ignore case), -v (the other lines), -w / -x (whole words, whole
// lines), -c (a count), -o (each match alone), -n and -b (line numbers and byte offsets), -H
// (a "(standard input):" prefix), -m N (stop after N lines), -q (status only) and -s, -a, -h
// (accepted, with nothing to change for one stdin of text). Status 0 when a line was selected,
// 1 when none was; bad patterns are refused when the job is created.
import { OutBuffer } from '../exec/bytes.js';
import { ExecRefusedError } from '../exec/errors.js';
import { getopt, parseCount, refuseFiles } from '../exec/getopt.js';
import { lineBatches, type Builtin } from '../exec/tool.js';
import type { Node } from '../regex/ast.js';
import { compileForTool, literalNode, parseForTool } from '../regex/for-tools.js';
import type { Regex } from '../regex/regex.js';

interface GrepOptions {
  invert: boolean;
  count: boolean;
  only: boolean;
  lineNumbers: boolean;
  byteOffsets: boolean;
  withName: boolean;
  quiet: boolean;
  maxCount: number;
}

export const grep: Builtin = {
  name: 'grep',
  prepare(args) {
    const { options, operands } = getopt('grep', args, {
      flags: 'EFGivcownxqsabhHy',
      valued: 'em',
      long: { 'extended-regexp': 'E', 'fixed-strings': 'F', 'basic-regexp': 'G', 'ignore-case': 'i', 'invert-match': 'v', count: 'c', 'only-matching': 'o', 'word-regexp': 'w', 'line-number': 'n', 'line-regexp': 'x', quiet: 'q', silent: 'q', 'no-messages': 's', text: 'a', 'byte-offset': 'b', 'no-filename': 'h', 'with-filename': 'H', regexp: 'e', 'max-count': 'm' },
    });
    const has = (f: string) => options.some((o) => o.name === f);
    const patterns = options.filter((o) => o.name === 'e').map((o) => o.value);
    if (patterns.length === 0) {
      const first = operands.shift();
      if (first === undefined) throw new ExecRefusedError('grep', 'grep: a pattern is required');
      patterns.push(first);
    }
    refuseFiles('grep', operands);
    const syntax = options.filter((o) => 'EFG'.includes(o.name)).at(-1)?.name ?? 'G';
    const icase = has('i') || has('y');
    const nodes: Node[] = patterns.flatMap((p) => p.split('\n')).map((p): Node => {
      const node = syntax === 'F' ? literalNode(p, icase) : parseForTool('grep', p, syntax === 'E' ? 'ere' : 'bre', icase).node;
      if (has('x')) return { t: 'cat', items: [{ t: 'assert', kind: 'bol' }, node, { t: 'assert', kind: 'eol' }] };
      if (has('w')) return { t: 'cat', items: [{ t: 'assert', kind: 'nwbefore' }, node, { t: 'assert', kind: 'nwafter' }] };
      return node;
    });
    const regex = compileForTool('grep', patterns.join('\n'), nodes.length === 1 ? nodes[0]! : { t: 'alt', items: nodes }, 0);
    const maxValues = options.filter((o) => o.name === 'm');
    const o: GrepOptions = {
      invert: has('v'),
      count: has('c'),
      only: has('o'),
      lineNumbers: has('n'),
      byteOffsets: has('b'),
      withName: options.filter((x) => x.name === 'H' || x.name === 'h').at(-1)?.name === 'H',
      quiet: has('q'),
      maxCount: maxValues.length === 0 ? Infinity : parseCount('grep', 'm', maxValues.at(-1)!.value),
    };
    return run(regex, o);
  },
};

function run(regex: Regex, o: GrepOptions): ReturnType<Builtin['prepare']> {
  return async function* (stdin, ctx) {
    const out = new OutBuffer();
    let selected = 0;
    let lineNo = 0;
    let offset = 0;
    if (o.maxCount === 0) return 1;
    outer: for await (const batch of lineBatches(stdin, ctx)) {
      for (const line of batch.lines) {
        lineNo++;
        const lineOffset = offset;
        offset += line.length + 1;
        if (regex.test(line) === o.invert) continue;
        selected++;
        if (o.quiet) return 0;
        if (!o.count) {
          if (o.only) printMatches(out, regex, line, lineNo, lineOffset, o);
          else out.write(`${prefix(o, lineNo, lineOffset)}${line}\n`);
        }
        if (selected >= o.maxCount) break outer;
      }
      if (out.full) yield out.take();
    }
    if (o.count) out.write(`${o.withName ? '(standard input):' : ''}${selected}\n`);
    if (!out.empty) yield out.take();
    return selected > 0 ? 0 : 1;
  };
}

function prefix(o: GrepOptions, lineNo: number, offset: number): string {
  return `${o.withName ? '(standard input):' : ''}${o.lineNumbers ? `${lineNo}:` : ''}${o.byteOffsets ? `${offset}:` : ''}`;
}

/** -o: every non-empty match of a selected line, each on a line of its own. */
function printMatches(out: OutBuffer, regex: Regex, line: string, lineNo: number, lineOffset: number, o: GrepOptions): void {
  if (o.invert) return;
  let from = 0;
  while (from <= line.length) {
    const m = regex.search(line, from);
    if (m === undefined) return;
    const [start, end] = m;
    if (end > start) {
      out.write(`${prefix(o, lineNo, lineOffset + start)}${line.slice(start, end)}\n`);
      from = end;
    } else from = start + 1;
  }
}
