// awk's built-in functions: length, substr, index, split, sub, gsub, match, sprintf, int,
// tolower, toupper and the math functions (sin, cos, atan2, exp, log, sqrt), with gawk --posix's
// answers in the C locale (substr truncates its positions, sub and gsub read \& and \\ in the
// replacement as POSIX says, an empty match just after the previous match is skipped).
import type { Expr } from './ast.js';
import { splitFields } from './fields.js';
import type { Interp } from './interp.js';
import { SLOT } from './expr-parser.js';
import { formatPrintf } from './printf.js';
import { lowerBinary, upperBinary } from '../exec/ctype.js';
import { Input, toNumber, type Value } from './values.js';
import type { Regex } from '../regex/regex.js';
import { splitterFor } from './fields.js';

type Call = Extract<Expr, { k: 'call' }>;

export function callBuiltin(it: Interp, e: Call): Value {
  const arg = (i: number): Value => it.eval(e.args[i]!);
  const num = (i: number): number => toNumber(arg(i));
  const str = (i: number): string => it.str(arg(i));
  switch (e.name) {
    case 'length': {
      const a = e.args[0];
      if (a === undefined) return it.fields.text.length;
      if (a.k === 'var' && it.vars[a.slot] instanceof Map) it.fail('length: received array argument');
      return str(0).length;
    }
    case 'substr': return substr(str(0), num(1), e.args.length > 2 ? num(2) : undefined);
    case 'index': return str(0).indexOf(str(1)) + 1;
    case 'split': return split(it, str(0), e.arrayArg!, e.regexArg === undefined ? undefined : e.regexArg);
    case 'sub':
    case 'gsub': return substitute(it, e, e.name === 'gsub');
    case 'match': {
      const s = str(0);
      const m = it.regexOf(e.regexArg!).search(s, 0);
      const start = m === undefined ? 0 : m[0] + 1;
      it.vars[SLOT.RSTART] = start;
      it.vars[SLOT.RLENGTH] = m === undefined ? -1 : m[1] - m[0];
      return start;
    }
    case 'sprintf': {
      const values = e.args.map((a) => it.eval(a));
      return it.bounded(formatPrintf(it.str(values[0]), values.slice(1), it.convfmt, it.ctx.limits.printfWidth).text);
    }
    case 'int': return Math.trunc(num(0));
    case 'tolower': return lowerBinary(str(0));
    case 'toupper': return upperBinary(str(0));
    case 'sin': return Math.sin(num(0));
    case 'cos': return Math.cos(num(0));
    case 'atan2': return Math.atan2(num(0), num(1));
    case 'exp': return Math.exp(num(0));
    case 'log': return nanLikeC(num(0), Math.log);
    case 'sqrt': return nanLikeC(num(0), Math.sqrt);
    default: return it.fail(`${e.name} is not a function`);
  }
}

/** gawk's substr: positions truncated toward zero, a start before 1 read as 1, a length under 1 giving "". */
function substr(s: string, m: number, n: number | undefined): string {
  if (n !== undefined && !(n >= 1)) return '';
  if (m !== m) return '';
  const start = Math.max(1, Math.trunc(m));
  if (n === undefined) return s.slice(start - 1);
  const length = Math.trunc(Math.min(n, 2 ** 53));
  return s.slice(start - 1, start - 1 + length);
}

function split(it: Interp, s: string, arraySlot: number, fs: import('./ast.js').RegexOperand | undefined): number {
  const a = it.array(arraySlot);
  for (const [k, v] of a) it.shrank(k, v);
  a.clear();
  let splitter;
  if (fs === undefined) splitter = it.currentSplitter();
  else if (fs.k === 'lit') splitter = { k: 'regex' as const, re: fs.re };
  else splitter = splitterFor(it.str(it.eval(fs.e)), it.ctx.limits);
  const parts = splitFields(s, splitter, it.ctx.limits.fields);
  for (let i = 0; i < parts.length; i++) it.setElem(a, String(i + 1), new Input(parts[i]!));
  return parts.length;
}

/** sub and gsub: replace the first (or every) match in the target, which defaults to $0. */
function substitute(it: Interp, e: Call, global: boolean): number {
  const re: Regex = it.regexOf(e.regexArg!);
  const repl = it.str(it.eval(e.args[0]!));
  const lv = e.args[1] ?? { k: 'field' as const, index: { k: 'num' as const, v: 0 } };
  if (lv.k !== 'var' && lv.k !== 'field' && lv.k !== 'elem') return it.fail(`${e.name}: the target is not a variable`);
  const target = it.ref(lv);
  // gawk makes a field past NF exist (NF grows, $0 stays as it was) even when nothing is replaced.
  if (target.k === 'fieldAt') it.fields.reach(target.i);
  const s = it.str(it.read(target));
  let out = '';
  let start = 0;
  let prevEnd = -1;
  let count = 0;
  while (start <= s.length) {
    const m = re.search(s, start);
    if (m === undefined) break;
    const [ms, me] = m;
    if (ms === me && ms === prevEnd) {
      out += s.slice(start, ms + 1);
      start = ms + 1;
      continue;
    }
    out += s.slice(start, ms) + replacement(repl, s.slice(ms, me));
    it.bounded(out);
    count++;
    prevEnd = me;
    start = me;
    if (ms === me) {
      out += s.slice(ms, ms + 1);
      start = me + 1;
    }
    if (!global) break;
  }
  if (count === 0) return 0;
  if (start <= s.length) out += s.slice(start);
  it.write(target, out);
  return count;
}

/** The replacement text: & is the match, \& a literal &, \\ a backslash, any other backslash itself. */
function replacement(repl: string, matched: string): string {
  if (!repl.includes('&') && !repl.includes('\\')) return repl;
  let out = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c === '\\' && (repl[i + 1] === '&' || repl[i + 1] === '\\')) {
      out += repl[++i];
    } else if (c === '&') out += matched;
    else out += c;
  }
  return out;
}

/** log and sqrt of a negative number: C's is a NaN with its sign bit set (printed -nan), JavaScript's has none. */
function nanLikeC(x: number, f: (x: number) => number): number {
  return x < 0 ? -NaN : f(x);
}
