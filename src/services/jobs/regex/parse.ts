// Regular expressions to their AST, in three dialects: GNU BRE (grep, sed: \( \) \{ \} \| \+ \?),
// GNU ERE (grep -E, sed -E) and awk's POSIX ERE (escapes like \/ and \t, no GNU operators).
// Constructs whose GNU meaning is surprising or not a regular language — back-references, an
// unmatched {, a quantifier with nothing before it, an unknown escape — are refused with an
// error naming them, never given another meaning.
import { classBytes, isClassName, isSpaceByte, isWordByte, toLowerByte, toUpperByte } from '../exec/ctype.js';
import { alt, cat, DUP_MAX, setOf, type Node } from './ast.js';

export type Dialect = 'bre' | 'ere' | 'awk';

export interface ParsedRegex {
  node: Node;
  /** Capture groups, numbered from 1. */
  groups: number;
}

/** A regular expression that cannot be used; `token` is the piece at fault. */
export class RegexSyntaxError extends Error {
  constructor(readonly token: string, reason: string) {
    super(reason);
  }
}

const AWK_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7, b: 8, '/': 47, '"': 34 };

/**
 * grep (GNU's dfa) and sed (glibc's regcomp) read a quantifier after an anchor differently: grep
 * repeats the anchor, glibc takes it as a literal in BRE and refuses it in ERE.
 */
export type Flavor = 'grep' | 'glibc';

export function parseRegex(pattern: string, dialect: Dialect, icase = false, flavor: Flavor = 'grep'): ParsedRegex {
  const p = new Parser(pattern, dialect, icase, flavor);
  const node = p.parseAlt(0);
  if (p.i < pattern.length) throw new RegexSyntaxError(pattern.slice(p.i), dialect === 'bre' ? 'unmatched \\)' : 'unmatched )');
  return { node, groups: p.groups };
}

class Parser {
  i = 0;
  groups = 0;

  constructor(private readonly s: string, private readonly dialect: Dialect, private readonly icase: boolean, private readonly flavor: Flavor = 'grep') {}

  private get bre(): boolean {
    return this.dialect === 'bre';
  }

  /** At an alternation bar? (\| in BRE, | otherwise.) */
  private atBar(): boolean {
    return this.bre ? this.s.startsWith('\\|', this.i) : this.s[this.i] === '|';
  }

  private atClose(depth: number): boolean {
    return depth > 0 && (this.bre ? this.s.startsWith('\\)', this.i) : this.s[this.i] === ')');
  }

  parseAlt(depth: number): Node {
    const branches = [this.parseBranch(depth)];
    while (this.atBar()) {
      this.i += this.bre ? 2 : 1;
      branches.push(this.parseBranch(depth));
    }
    return alt(branches);
  }

  private parseBranch(depth: number): Node {
    const items: Node[] = [];
    const start = this.i;
    while (this.i < this.s.length && !this.atBar() && !this.atClose(depth)) {
      if (this.dialect !== 'ere' && this.dialect !== 'awk' && this.s[this.i] === ')' && depth === 0) {
        items.push(this.literal(41));
        this.i++;
        continue;
      }
      if (!this.bre && this.s[this.i] === ')' && depth === 0) throw new RegexSyntaxError(')', 'unmatched )');
      const atomStart = this.i;
      let atom = this.parseAtom(depth, this.i === start);
      atom = this.parseQuantifiers(atom, atomStart);
      items.push(atom);
    }
    return cat(items);
  }

  private parseAtom(depth: number, first: boolean): Node {
    const s = this.s;
    const c = s[this.i]!;
    if (this.bre) {
      if (c === '*' && first) return this.literalAt(42);
      if (c === '^') return first ? this.assertAt('bol', 1) : this.literalAt(94);
      if (c === '$') return this.atBreEnd(this.i + 1, depth) ? this.assertAt('eol', 1) : this.literalAt(36);
    } else {
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.intervalAhead())) throw new RegexSyntaxError(c, `${c} has nothing to repeat`);
      if (c === '{') throw new RegexSyntaxError('{', 'an unmatched { (write \\{ for a literal brace)');
      if (c === '^') return this.assertAt('bol', 1);
      if (c === '$') return this.assertAt('eol', 1);
      if (c === '(') {
        this.i++;
        return this.group(depth, 1);
      }
    }
    if (c === '.') {
      this.i++;
      return { t: 'set', bits: new Uint8Array(256).fill(1) };
    }
    if (c === '[') return this.bracket();
    if (c === '\\') return this.escape(depth, first);
    return this.literalAt(c.charCodeAt(0));
  }

  private group(depth: number, closeLength: number): Node {
    const index = ++this.groups;
    const item = this.parseAlt(depth + 1);
    if (!this.atClose(depth + 1)) throw new RegexSyntaxError(this.bre ? '\\(' : '(', this.bre ? 'unmatched \\(' : 'unmatched (');
    this.i += closeLength;
    return { t: 'group', index, item };
  }

  /** In BRE, $ is an anchor only at the end of the expression, of a group, or of a branch. */
  private atBreEnd(at: number, depth: number): boolean {
    return at >= this.s.length || this.s.startsWith('\\|', at) || (depth > 0 && this.s.startsWith('\\)', at));
  }

  private escape(depth: number, first: boolean): Node {
    const s = this.s;
    const next = s[this.i + 1];
    if (next === undefined) throw new RegexSyntaxError('\\', 'a trailing backslash');
    this.i += 2;
    if (this.dialect === 'awk') return this.awkEscape(next);
    if (this.bre && next === '(') return this.group(depth, 2);
    if (this.bre && next === ')') throw new RegexSyntaxError('\\)', 'unmatched \\)');
    if (this.bre && next === '{') {
      if (first) throw new RegexSyntaxError('\\{', 'an interval has nothing to repeat');
      throw new RegexSyntaxError('\\{', 'an unmatched \\{');
    }
    if (this.bre && (next === '+' || next === '?') && first) throw new RegexSyntaxError(`\\${next}`, `\\${next} has nothing to repeat`);
    if (/[1-9]/.test(next)) throw new RegexSyntaxError(`\\${next}`, 'back-references are not supported');
    switch (next) {
      case 'w': return { t: 'set', bits: setOf(range256().filter(isWordByte)) };
      case 'W': return { t: 'set', bits: setOf(range256().filter((b) => !isWordByte(b))) };
      case 's': return { t: 'set', bits: setOf(range256().filter(isSpaceByte)) };
      case 'S': return { t: 'set', bits: setOf(range256().filter((b) => !isSpaceByte(b))) };
      case 'b': return { t: 'assert', kind: 'wordb' };
      case 'B': return { t: 'assert', kind: 'nwordb' };
      case '<': return { t: 'assert', kind: 'wbeg' };
      case '>': return { t: 'assert', kind: 'wend' };
      case '`': return { t: 'assert', kind: 'bol' };
      case "'": return { t: 'assert', kind: 'eol' };
      case 'n': return this.literal(10);
      case 't': return this.literal(9);
    }
    if (/[A-Za-z0-9]/.test(next)) throw new RegexSyntaxError(`\\${next}`, `the escape \\${next} is not supported`);
    return this.literal(next.charCodeAt(0));
  }

  private awkEscape(next: string): Node {
    if (/[0-7]/.test(next)) {
      let v = Number(next);
      for (let k = 0; k < 2 && /[0-7]/.test(this.s[this.i] ?? ''); k++) v = v * 8 + Number(this.s[this.i++]);
      return this.literal(v & 255);
    }
    const code = AWK_ESCAPES[next];
    if (code !== undefined) return this.literal(code);
    // gawk --posix takes any other escaped character as itself (\w, \< and \y are not operators there).
    return this.literal(next.charCodeAt(0));
  }

  private parseQuantifiers(atom: Node, atomStart: number): Node {
    const s = this.s;
    if (atom.t === 'assert') {
      // In BRE a * after an anchor that starts the expression is a literal star (the next atom).
      // Elsewhere GNU repeats the assertion: at least once is the assertion itself, and a
      // repetition that may be empty (*, ?, {0,n}) asserts nothing. awk refuses it, as gawk does.
      if (this.bre && (atomStart === 0 || this.flavor === 'glibc')) return atom;
      if (this.flavor === 'glibc' && /^[*+?{]/.test(s.slice(this.i))) throw new RegexSyntaxError(s[this.i]!, 'invalid preceding regular expression (a repeated anchor)');
      const repeated = this.parseQuantifiers({ t: 'empty' }, atomStart);
      if (repeated.t === 'empty') return atom;
      if (this.dialect === 'awk') throw new RegexSyntaxError(s.slice(atomStart, this.i), 'a repeated anchor');
      // In ERE glibc refuses an anchor repeated by *, + or ? that ends a group ("Unmatched ( or \\("), and so does GNU grep.
      if (!this.bre && '*+?'.includes(s[this.i - 1]!) && s[this.i] === ')') throw new RegexSyntaxError(s.slice(atomStart, this.i + 1), 'a repeated anchor cannot end a group');
      return minimum(repeated) === 0 ? { t: 'empty' } : atom;
    }
    for (;;) {
      const c = s[this.i];
      if (c === '*') {
        this.i++;
        atom = { t: 'rep', min: 0, max: Infinity, item: atom };
      } else if (!this.bre && (c === '+' || c === '?')) {
        this.i++;
        atom = { t: 'rep', min: c === '+' ? 1 : 0, max: c === '+' ? Infinity : 1, item: atom };
      } else if (this.bre && (s.startsWith('\\+', this.i) || s.startsWith('\\?', this.i))) {
        const plus = s[this.i + 1] === '+';
        this.i += 2;
        atom = { t: 'rep', min: plus ? 1 : 0, max: plus ? Infinity : 1, item: atom };
      } else if (this.bre ? s.startsWith('\\{', this.i) : c === '{') {
        atom = this.interval(atom, atomStart);
      } else {
        return atom;
      }
    }
  }

  private intervalAhead(): boolean {
    return /^\{[0-9]*(,[0-9]*)?\}/.test(this.s.slice(this.i));
  }

  private interval(atom: Node, atomStart: number): Node {
    const open = this.bre ? '\\{' : '{';
    const close = this.bre ? '\\}' : '}';
    const m = new RegExp(`^${escapeRe(open)}([0-9]*)(?:(,)([0-9]*))?${escapeRe(close)}`).exec(this.s.slice(this.i));
    if (m === null) throw new RegexSyntaxError(this.s.slice(this.i, this.i + 8), `an unmatched ${open} (write \\{ for a literal brace)`);
    const min = m[1] === '' ? 0 : Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if ((m[1] === '' && m[2] === undefined) || min > DUP_MAX || (max !== Infinity && max > DUP_MAX) || max < min) {
      throw new RegexSyntaxError(m[0], `invalid interval ${this.s.slice(atomStart, this.i)}${m[0]}`);
    }
    this.i += m[0].length;
    return { t: 'rep', min, max, item: atom };
  }

  private bracket(): Node {
    const s = this.s;
    const start = this.i;
    this.i++;
    let negate = false;
    if (s[this.i] === '^') {
      negate = true;
      this.i++;
    }
    const bits = new Uint8Array(256);
    let firstItem = true;
    for (;;) {
      if (this.i >= s.length) throw new RegexSyntaxError(s.slice(start), 'an unmatched [');
      const c = s[this.i]!;
      if (c === ']' && !firstItem) break;
      firstItem = false;
      if (c === '[' && (s[this.i + 1] === ':' || s[this.i + 1] === '=' || s[this.i + 1] === '.')) {
        const kind = s[this.i + 1]!;
        const end = s.indexOf(`${kind}]`, this.i + 2);
        if (end < 0) throw new RegexSyntaxError(s.slice(this.i), `an unmatched [${kind}`);
        const body = s.slice(this.i + 2, end);
        this.i = end + 2;
        if (kind === ':') {
          if (!isClassName(body)) throw new RegexSyntaxError(`[:${body}:]`, 'an invalid character class');
          for (const b of classBytes(body)) bits[b] = 1;
          continue;
        }
        if (body.length !== 1) throw new RegexSyntaxError(`[${kind}${body}${kind}]`, 'an invalid collating element');
        this.rangeFrom(body.charCodeAt(0), bits);
        continue;
      }
      this.rangeFrom(this.bracketChar(), bits);
    }
    this.i++;
    if (this.icase) foldSet(bits);
    if (negate) for (let b = 0; b < 256; b++) bits[b] = bits[b] ? 0 : 1;
    return { t: 'set', bits };
  }

  /** One character inside brackets; awk reads escapes there, the others take a backslash as itself. */
  private bracketChar(): number {
    const c = this.s[this.i]!;
    if (this.dialect === 'awk' && c === '\\' && this.i + 1 < this.s.length) {
      this.i += 1;
      const next = this.s[this.i++]!;
      const node = this.awkEscapeInBracket(next);
      return node;
    }
    this.i++;
    return c.charCodeAt(0);
  }

  private awkEscapeInBracket(next: string): number {
    if (/[0-7]/.test(next)) {
      let v = Number(next);
      for (let k = 0; k < 2 && /[0-7]/.test(this.s[this.i] ?? ''); k++) v = v * 8 + Number(this.s[this.i++]);
      return v & 255;
    }
    return AWK_ESCAPES[next] ?? next.charCodeAt(0);
  }

  /** A character c, or the range c-d when a - and an end follow (a - before ] is itself). */
  private rangeFrom(c: number, bits: Uint8Array): void {
    const s = this.s;
    if (s[this.i] === '-' && this.i + 1 < s.length && s[this.i + 1] !== ']') {
      this.i++;
      let d: number;
      if (s[this.i] === '[' && s[this.i + 1] === '.') {
        const end = s.indexOf('.]', this.i + 2);
        if (end < 0 || end !== this.i + 3) throw new RegexSyntaxError(s.slice(this.i), 'an invalid collating element');
        d = s.charCodeAt(this.i + 2);
        this.i = end + 2;
      } else d = this.bracketChar();
      if (d < c) throw new RegexSyntaxError(`${String.fromCharCode(c)}-${String.fromCharCode(d)}`, 'an invalid range end');
      for (let b = c; b <= d; b++) bits[b] = 1;
      return;
    }
    bits[c] = 1;
  }

  private literal(c: number): Node {
    if (this.icase && toLowerByte(c) !== toUpperByte(c)) return { t: 'set', bits: setOf([toLowerByte(c), toUpperByte(c)]) };
    return { t: 'char', c };
  }

  private literalAt(c: number): Node {
    this.i++;
    return this.literal(c);
  }

  private assertAt(kind: 'bol' | 'eol', length: number): Node {
    this.i += length;
    return { t: 'assert', kind };
  }
}

function foldSet(bits: Uint8Array): void {
  for (let b = 65; b <= 90; b++) {
    if (bits[b] || bits[b + 32]) bits[b] = bits[b + 32] = 1;
  }
}

function range256(): number[] {
  return Array.from({ length: 256 }, (_, i) => i);
}

function escapeRe(s: string): string {
  return s.replace(/[\\{}]/g, (c) => `\\${c}`);
}

/** Join patterns as alternatives (grep -e a -e b). Each keeps its own group numbers from 1. */
export function anyOf(parsed: ParsedRegex[]): ParsedRegex {
  return { node: alt(parsed.map((p) => p.node)), groups: Math.max(0, ...parsed.map((p) => p.groups)) };
}

export { cat as catNodes };

/** The fewest times a chain of repetitions of one item repeats it. */
function minimum(node: Node): number {
  return node.t === 'rep' ? node.min * minimum(node.item) : 1;
}
