// Regular-expression matching that cannot run away. A compiled program runs on a Pike VM: all
// threads advance together one byte at a time, at most one thread per instruction, so a search
// costs at most (string length × program size) steps whatever the pattern (no backtracking, no
// catastrophic cases), and every search is bounded by a step budget on top. Matches are POSIX's
// leftmost-longest, as GNU grep, sed and awk report them. Capture groups (for sed's \1…\9) are
// found in a second, anchored pass over the match with Perl's preference order (first
// alternative, greediest repeat), which is POSIX's own answer except for some ambiguous groups.
import { isWordByte } from '../exec/ctype.js';
import { LimitExceededError } from '../exec/errors.js';
import { requiredLiteral, type Node } from './ast.js';
import { parseRegex, type Dialect, type ParsedRegex } from './parse.js';
import { ASSERT_KINDS, compile, OP_ASSERT, OP_CHAR, OP_JMP, OP_MATCH, OP_SAVE, OP_SET, OP_SPLIT, type Program } from './program.js';

export interface RegexLimits {
  regexInstructions: number;
  regexSteps: number;
}

const isW = (c: number) => c >= 0 && isWordByte(c);

function holds(kind: number, s: string, at: number): boolean {
  const prev = at > 0 ? s.charCodeAt(at - 1) : -1;
  const next = at < s.length ? s.charCodeAt(at) : -1;
  switch (ASSERT_KINDS[kind]) {
    case 'bol': return at === 0;
    case 'eol': return at === s.length;
    case 'wordb': return isW(prev) !== isW(next);
    case 'nwordb': return isW(prev) === isW(next);
    case 'wbeg': return !isW(prev) && isW(next);
    case 'wend': return isW(prev) && !isW(next);
    case 'nwbefore': return !isW(prev);
    case 'nwafter': return !isW(next);
    default: return false;
  }
}

/** The whole pattern is one literal string (no sets, no repeats, no groups): indexOf finds it. */
function literalOf(node: Node): string | undefined {
  if (node.t === 'char') return String.fromCharCode(node.c);
  if (node.t === 'empty') return '';
  if (node.t !== 'cat') return undefined;
  let s = '';
  for (const item of node.items) {
    if (item.t !== 'char') return undefined;
    s += String.fromCharCode(item.c);
  }
  return s;
}

export class Regex {
  readonly groups: number;
  private readonly prog: Program;
  private readonly literal: string | undefined;
  private readonly required: string;
  private readonly mark: Int32Array;
  private gen = 0;
  private readonly lists: [Int32Array, Int32Array, Int32Array, Int32Array];
  private readonly stack: Int32Array;

  constructor(parsed: ParsedRegex, private readonly limits: RegexLimits) {
    this.prog = compile(parsed.node, parsed.groups, limits.regexInstructions);
    this.groups = parsed.groups;
    this.literal = literalOf(parsed.node);
    this.required = requiredLiteral(parsed.node);
    const len = this.prog.op.length;
    this.mark = new Int32Array(len);
    this.lists = [new Int32Array(len), new Int32Array(len), new Int32Array(len), new Int32Array(len)];
    this.stack = new Int32Array(2 * len + 2);
  }

  static compile(pattern: string, dialect: Dialect, icase: boolean, limits: RegexLimits): Regex {
    return new Regex(parseRegex(pattern, dialect, icase), limits);
  }

  /** Whether the pattern matches anywhere in s. */
  test(s: string): boolean {
    if (this.literal !== undefined) return s.includes(this.literal);
    if (this.required !== '' && !s.includes(this.required)) return false;
    return this.search(s, 0) !== undefined;
  }

  /** The leftmost-longest match starting at or after `from`, as [start, end], or undefined. */
  search(s: string, from: number): [number, number] | undefined {
    if (this.literal !== undefined) {
      const at = s.indexOf(this.literal, from);
      return at < 0 ? undefined : [at, at + this.literal.length];
    }
    if (this.required !== '' && s.indexOf(this.required, from) < 0) return undefined;
    return this.run(s, from);
  }

  private nextGen(): number {
    if (this.gen >= 0x7ffffff0) {
      this.mark.fill(0);
      this.gen = 0;
    }
    return ++this.gen;
  }

  /** Add the thread (pc, start) and everything it reaches without reading a byte, at position `at`. */
  private add(list: Int32Array, starts: Int32Array, count: number, pc0: number, st: number, s: string, at: number, gen: number): number {
    const { op, a, b } = this.prog;
    const mark = this.mark;
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = pc0;
    while (sp > 0) {
      const pc = stack[--sp]!;
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      const o = op[pc]!;
      if (o === OP_JMP) stack[sp++] = a[pc]!;
      else if (o === OP_SPLIT) {
        stack[sp++] = b[pc]!;
        stack[sp++] = a[pc]!;
      } else if (o === OP_SAVE) stack[sp++] = pc + 1;
      else if (o === OP_ASSERT) {
        if (holds(a[pc]!, s, at)) stack[sp++] = pc + 1;
      } else {
        list[count] = pc;
        starts[count] = st;
        count++;
      }
    }
    return count;
  }

  private run(s: string, from: number): [number, number] | undefined {
    const { op, a, sets, first } = this.prog;
    const n = s.length;
    let [clist, cstart, nlist, nstart] = this.lists;
    let ccount = 0;
    let bestStart = -1;
    let bestEnd = -1;
    let steps = 0;
    let pos = from;
    let gen = this.nextGen();
    for (;;) {
      if (bestStart < 0) {
        if (ccount === 0 && first !== undefined) {
          while (pos < n && first[s.charCodeAt(pos)] === 0) pos++;
          if (pos >= n) break;
          gen = this.nextGen();
        }
        ccount = this.add(clist, cstart, ccount, 0, pos, s, pos, gen);
      }
      if (ccount === 0) {
        if (bestStart >= 0 || pos >= n) break;
        pos++;
        gen = this.nextGen();
        continue;
      }
      const ngen = this.nextGen();
      let ncount = 0;
      const c = pos < n ? s.charCodeAt(pos) : -1;
      for (let i = 0; i < ccount; i++) {
        const pc = clist[i]!;
        const st = cstart[i]!;
        if (bestStart >= 0 && st > bestStart) break;
        const o = op[pc];
        if (o === OP_MATCH) {
          if (bestStart < 0 || pos > bestEnd) {
            bestStart = st;
            bestEnd = pos;
          }
        } else if (o === OP_CHAR ? c === a[pc] : o === OP_SET && c >= 0 && sets[a[pc]!]![c] === 1) {
          ncount = this.add(nlist, nstart, ncount, pc + 1, st, s, pos + 1, ngen);
        }
      }
      steps += ccount;
      if (steps > this.limits.regexSteps) throw tooCostly(this.limits.regexSteps, n);
      if (pos >= n) break;
      pos++;
      [clist, cstart, nlist, nstart] = [nlist, nstart, clist, cstart];
      ccount = ncount;
      gen = ngen;
    }
    return bestStart < 0 ? undefined : [bestStart, bestEnd];
  }

  /**
   * The capture slots of a match known to span [start, end): slot 2g and 2g+1 bound group g (-1
   * when the group took no part). Slots 0 and 1 are the match itself.
   */
  captures(s: string, start: number, end: number): Int32Array {
    const { op, a, b, sets } = this.prog;
    const slots = 2 * (this.groups + 1);
    type Thread = { pc: number; caps: Int32Array };
    const gens = new Int32Array(op.length);
    let gen = 0;
    let steps = 0;
    const addAll = (list: Thread[], pc0: number, caps0: Int32Array, at: number) => {
      const stack: Thread[] = [{ pc: pc0, caps: caps0 }];
      while (stack.length > 0) {
        const { pc, caps } = stack.pop()!;
        if (gens[pc] === gen) continue;
        gens[pc] = gen;
        const o = op[pc];
        if (o === OP_JMP) stack.push({ pc: a[pc]!, caps });
        else if (o === OP_SPLIT) stack.push({ pc: b[pc]!, caps }, { pc: a[pc]!, caps });
        else if (o === OP_SAVE) {
          const copy = caps.slice();
          copy[a[pc]!] = at;
          stack.push({ pc: pc + 1, caps: copy });
        } else if (o === OP_ASSERT) {
          if (holds(a[pc]!, s, at)) stack.push({ pc: pc + 1, caps });
        } else list.push({ pc, caps });
      }
    };
    const init = new Int32Array(slots).fill(-1);
    let clist: Thread[] = [];
    gen++;
    addAll(clist, 0, init, start);
    for (let pos = start; pos <= end; pos++) {
      const next: Thread[] = [];
      gen++;
      const c = pos < end ? s.charCodeAt(pos) : -1;
      for (const t of clist) {
        const o = op[t.pc];
        if (o === OP_MATCH) {
          if (pos === end) {
            t.caps[0] = start;
            t.caps[1] = end;
            return t.caps;
          }
        } else if (o === OP_CHAR ? c === a[t.pc] : o === OP_SET && c >= 0 && sets[a[t.pc]!]![c] === 1) {
          addAll(next, t.pc + 1, t.caps, pos + 1);
        }
      }
      steps += clist.length;
      if (steps > this.limits.regexSteps) throw tooCostly(this.limits.regexSteps, s.length);
      clist = next;
    }
    // The span came from search(), so some thread matches it; this is a safe answer all the same.
    const caps = init.slice();
    caps[0] = start;
    caps[1] = end;
    return caps;
  }
}

function tooCostly(steps: number, bytes: number): LimitExceededError {
  return new LimitExceededError('regex', `a regular expression needed more than ${steps} steps on a string of ${bytes} bytes`);
}

export type { Dialect };
