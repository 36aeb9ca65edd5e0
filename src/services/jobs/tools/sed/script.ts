// A sed script to its commands. Supported: addresses N, $, /re/ and \cREc (with I), first~step,
// ranges A,B (B also +N), ! ; commands s (flags g, p, N, I), y, p, d, q and Q (with an exit
// code), =, h, H, g, G, x, { } blocks, comments, and ; or newlines between commands. Everything
// else (a, i, c, n, N, D, P, b, t, r, w, e, l, labels, 0,/re/, the empty regex) is refused when
// the job is created.
import { ExecRefusedError } from '../../exec/errors.js';
import type { Node } from '../../regex/ast.js';
import { compileForTool, parseForTool } from '../../regex/for-tools.js';
import type { Regex } from '../../regex/regex.js';

export type Address =
  | { t: 'line'; n: number }
  | { t: 'last' }
  | { t: 'regex'; re: Regex }
  | { t: 'step'; first: number; step: number }
  | { t: 'plus'; n: number };

/** One piece of an s command's replacement: literal text, the whole match (&) or a group (\N). */
export type ReplPart = string | number;

export type Command = {
  a1?: Address;
  a2?: Address;
  negate: boolean;
  /** For `{`, the index of the command after its `}`. */
  end?: number;
} & (
  | { c: 's'; re: Regex; repl: ReplPart[]; global: boolean; print: boolean; nth: number; needsGroups: boolean }
  | { c: 'y'; map: Uint8Array }
  | { c: 'q' | 'Q'; exitCode: number }
  | { c: 'p' | 'd' | '=' | 'h' | 'H' | 'g' | 'G' | 'x' | '{' | '}' }
);

const SIMPLE = 'pd=hHgGx';
const REFUSED = 'aicnNDPbtTrRwWelzFvL:';

export function parseScript(script: string, extended: boolean): Command[] {
  return new ScriptParser(script, extended).parse();
}

class ScriptParser {
  private i = 0;
  private readonly cmds: Command[] = [];
  private readonly open: number[] = [];

  constructor(private readonly s: string, private readonly extended: boolean) {}

  private fail(token: string, reason: string): never {
    throw new ExecRefusedError(token, `sed: ${reason}`);
  }

  parse(): Command[] {
    const s = this.s;
    for (;;) {
      this.skip(' \t\n;');
      if (this.i >= s.length) break;
      if (s[this.i] === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      this.command();
    }
    if (this.open.length > 0) this.fail('{', 'unmatched {');
    return this.cmds;
  }

  private skip(chars: string): void {
    while (this.i < this.s.length && chars.includes(this.s[this.i]!)) this.i++;
  }

  private command(): void {
    const s = this.s;
    const start = this.i;
    const a1 = this.address(true);
    let a2: Address | undefined;
    if (a1 !== undefined && s[this.i] === ',') {
      this.i++;
      this.skip(' \t');
      a2 = this.address(false);
      if (a2 === undefined) this.fail(s.slice(start, this.i + 1), 'unexpected , (a range needs a second address)');
    }
    // GNU sed takes 0,/re/ as a range open before the first line (so its end may be the first line).
    if (a1?.t === 'line' && a1.n === 0 && a2?.t !== 'regex') this.fail(s.slice(start, this.i), 'invalid usage of line address 0');
    this.skip(' \t');
    let negate = false;
    while (s[this.i] === '!') {
      negate = true;
      this.i++;
      this.skip(' \t');
    }
    const c = s[this.i];
    if (c === undefined) this.fail(s.slice(start), 'missing command');
    this.i++;
    const base = { ...(a1 && { a1 }), ...(a2 && { a2 }), negate };
    if (c === '}') {
      if (a1 !== undefined) this.fail('}', "} doesn't want any addresses");
      const openAt = this.open.pop();
      if (openAt === undefined) this.fail('}', 'unexpected }');
      this.cmds.push({ ...base, c: '}' });
      (this.cmds[openAt] as { end?: number }).end = this.cmds.length;
    } else if (c === '{') {
      this.open.push(this.cmds.length);
      this.cmds.push({ ...base, c: '{' });
      return;
    } else if (SIMPLE.includes(c)) {
      this.cmds.push({ ...base, c: c as 'p' });
    } else if (c === 'q' || c === 'Q') {
      if (a2 !== undefined) this.fail(s.slice(start, this.i), `command only uses one address: ${c}`);
      this.skip(' \t');
      const m = /^[0-9]+/.exec(s.slice(this.i));
      this.i += m?.[0].length ?? 0;
      this.cmds.push({ ...base, c, exitCode: m === null ? 0 : Number(m[0]) & 255 });
    } else if (c === 's') {
      this.cmds.push({ ...base, ...this.substitute() });
    } else if (c === 'y') {
      this.cmds.push({ ...base, c: 'y', map: this.transliterate() });
    } else if (REFUSED.includes(c)) {
      this.fail(c, `the command ${c} is not supported`);
    } else {
      this.fail(c, `unknown command: ${c}`);
    }
    this.endOfCommand();
  }

  private endOfCommand(): void {
    this.skip(' \t');
    const c = this.s[this.i];
    if (c === undefined || c === ';' || c === '\n' || c === '}' || c === '#') return;
    this.fail(this.s.slice(this.i, this.i + 8), `extra characters after command`);
  }

  private address(first: boolean): Address | undefined {
    const s = this.s;
    const rest = s.slice(this.i);
    const step = /^([0-9]+)~([0-9]+)/.exec(rest);
    if (step !== null) {
      this.i += step[0].length;
      // GNU sed reads first~0 as the line number first.
      if (Number(step[2]) === 0) return { t: 'line', n: Number(step[1]) };
      return { t: 'step', first: Number(step[1]), step: Number(step[2]) };
    }
    const num = /^[0-9]+/.exec(rest);
    if (num !== null) {
      this.i += num[0].length;
      return { t: 'line', n: Number(num[0]) };
    }
    const plus = /^\+([0-9]+)/.exec(rest);
    if (plus !== null && !first) {
      this.i += plus[0].length;
      return { t: 'plus', n: Number(plus[1]) };
    }
    if (s[this.i] === '$') {
      this.i++;
      return { t: 'last' };
    }
    if (s[this.i] === '/' || s[this.i] === '\\') {
      if (s[this.i] === '\\') this.i++;
      const delim = s[this.i];
      if (delim === undefined || delim === '\n' || delim === '\\') this.fail(rest, 'unexpected end of an address');
      this.i++;
      const pattern = this.delimited(delim, true);
      let icase = false;
      while (s[this.i] === 'I' || s[this.i] === 'M') {
        if (s[this.i] === 'M') this.fail('M', 'the M (multi-line) flag is not supported');
        icase = true;
        this.i++;
      }
      return { t: 'regex', re: this.regex(pattern, icase) };
    }
    return undefined;
  }

  /**
   * Text up to an unescaped delimiter. \delim becomes the bare delimiter, which then means in a
   * regex what it means unescaped (GNU sed's reading: s|a\|b|X| in ERE is an alternation); a
   * backslash-newline is a newline; other escapes are kept for the regex or replacement parser.
   */
  private delimited(delim: string, isRegex: boolean): string {
    const s = this.s;
    let out = '';
    for (;;) {
      const c = s[this.i];
      if (c === undefined) this.fail(s.slice(0, 24), `unterminated ${isRegex ? 'address regex' : 'command'}`);
      this.i++;
      if (c === delim) return out;
      if (c === '\\') {
        const next = s[this.i];
        if (next === undefined) continue;
        this.i++;
        if (next === delim) out += delim;
        else if (next === '\n') out += isRegex ? '\\n' : '\n';
        else out += `\\${next}`;
        continue;
      }
      if (c === '\n' && isRegex) this.fail('\\n', 'unterminated address regex');
      out += c;
    }
  }

  private regex(pattern: string, icase: boolean): Regex {
    if (pattern === '') this.fail('//', 'the empty regular expression (the last one used) is not supported');
    const parsed = parseForTool('sed', pattern, this.extended ? 'ere' : 'bre', icase, 'glibc');
    return compileForTool('sed', pattern, parsed.node, parsed.groups);
  }

  private substitute(): { c: 's'; re: Regex; repl: ReplPart[]; global: boolean; print: boolean; nth: number; needsGroups: boolean } {
    const s = this.s;
    const delim = s[this.i];
    if (delim === undefined || delim === '\n' || delim === '\\') this.fail('s', 'unterminated `s\' command');
    this.i++;
    const pattern = this.delimited(delim, true);
    const replText = this.delimited(delim, false);
    let global = false;
    let print = false;
    let nth = 1;
    let nthSeen = false;
    let icase = false;
    for (;;) {
      const f = s[this.i];
      if (f === 'g') global = true;
      else if (f === 'p') print = true;
      else if (f === 'i' || f === 'I') icase = true;
      else if (f !== undefined && /[0-9]/.test(f)) {
        const m = /^[0-9]+/.exec(s.slice(this.i))!;
        if (nthSeen) this.fail(m[0], 'multiple number options to `s\' command');
        nth = Number(m[0]);
        if (nth === 0) this.fail('0', 'number option to `s\' command may not be zero');
        nthSeen = true;
        this.i += m[0].length - 1;
      } else if (f !== undefined && 'wWeMm'.includes(f)) this.fail(f, `the s flag ${f} is not supported`);
      else break;
      this.i++;
    }
    const re = this.regex(pattern, icase);
    const repl = parseReplacement(replText);
    const needsGroups = repl.some((p) => typeof p === 'number' && p > 0);
    for (const p of repl) if (typeof p === 'number' && p > re.groups) this.fail(`\\${p}`, `invalid reference \\${p} on \`s' command's RHS`);
    return { c: 's', re, repl, global, print, nth, needsGroups };
  }

  private transliterate(): Uint8Array {
    const s = this.s;
    const delim = s[this.i];
    if (delim === undefined || delim === '\n' || delim === '\\') this.fail('y', 'unterminated `y\' command');
    this.i++;
    const unescape = (t: string) => t.replace(/\\(.)/gs, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === '\\' ? '\\' : `\\${c}`));
    const from = unescape(this.delimited(delim, false));
    const to = unescape(this.delimited(delim, false));
    if (from.length !== to.length) this.fail(`y${delim}${from}${delim}${to}${delim}`, "strings for `y' command are different lengths");
    const map = new Uint8Array(256).map((_, i) => i);
    for (let k = 0; k < from.length; k++) map[from.charCodeAt(k)] = to.charCodeAt(k);
    return map;
  }
}

/** An s command's replacement: & and \0 are the match, \1…\9 groups, \n a newline, \t a tab. */
function parseReplacement(text: string): ReplPart[] {
  const parts: ReplPart[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '&') {
      parts.push(lit, 0);
      lit = '';
    } else if (c === '\\' && i + 1 < text.length) {
      const next = text[++i]!;
      if (/[0-9]/.test(next)) {
        parts.push(lit, Number(next));
        lit = '';
      } else if (next === 'n') lit += '\n';
      else if (next === 't') lit += '\t';
      else if ('LUluE'.includes(next)) throw new ExecRefusedError(`\\${next}`, `sed: case conversion (\\${next}) in a replacement is not supported`);
      else lit += next;
    } else lit += c;
  }
  parts.push(lit);
  return parts.filter((p) => p !== '');
}

export type { Node };
