// sed: runs its script (script.ts says what is supported) on each line of its stdin, printing
// the pattern space at the end of each cycle unless -n. -e adds script pieces, -E (or -r) reads
// regular expressions as ERE. As GNU sed does, a last line without a newline is printed without
// one, and `$` is the last line (sed reads one line ahead to know it).
import { OutBuffer } from '../../exec/bytes.js';
import type { ToolContext } from '../../exec/context.js';
import { ExecRefusedError, LimitExceededError } from '../../exec/errors.js';
import { getopt } from '../../exec/getopt.js';
import { lineBatches, type Builtin } from '../../exec/tool.js';
import { parseScript, type Address, type Command, type ReplPart } from './script.js';
import type { Regex } from '../../regex/regex.js';

export const sed: Builtin = {
  name: 'sed',
  prepare(args) {
    const { options, operands } = getopt('sed', args, {
      flags: 'nEru',
      valued: 'e',
      long: { quiet: 'n', silent: 'n', 'regexp-extended': 'E', expression: 'e', unbuffered: 'u' },
    });
    const pieces = options.filter((o) => o.name === 'e').map((o) => o.value);
    if (pieces.length === 0) {
      const first = operands.shift();
      if (first === undefined) throw new ExecRefusedError('sed', 'sed: a script is required');
      pieces.push(first);
    }
    for (const op of operands) if (op !== '-') throw new ExecRefusedError(op, 'sed: reads its standard input only; a file operand is not allowed');
    const script = pieces.join('\n');
    const quiet = options.some((o) => o.name === 'n') || /^#n(\n|$)/.test(pieces[0]!);
    const cmds = parseScript(script, options.some((o) => o.name === 'E' || o.name === 'r'));
    return async function* (stdin, ctx) {
      const machine = new SedMachine(cmds, quiet, ctx);
      let held: string | undefined;
      let heldTerminated = true;
      for await (const batch of lineBatches(stdin, ctx)) {
        const n = batch.lines.length;
        for (let i = 0; i < n; i++) {
          if (held !== undefined && machine.cycle(held, heldTerminated, false)) {
            if (!machine.out.empty) yield machine.out.take();
            return machine.exitCode;
          }
          held = batch.lines[i]!;
          heldTerminated = !(batch.lastUnterminated && i === n - 1);
        }
        if (machine.out.full) yield machine.out.take();
      }
      if (held !== undefined) machine.cycle(held, heldTerminated, true);
      if (!machine.out.empty) yield machine.out.take();
      return machine.exitCode;
    };
  },
};

class SedMachine {
  readonly out = new OutBuffer();
  exitCode = 0;
  private lineNo = 0;
  private hold = '';
  private holdTerminated = true;
  private missingNewline = false;
  private readonly active: boolean[];
  private readonly rangeEnd: number[];
  private readonly started: boolean[];

  constructor(private readonly cmds: Command[], private readonly quiet: boolean, private readonly ctx: ToolContext) {
    // A 0,/re/ range is open before the first line.
    this.active = cmds.map((c) => c.a1?.t === 'line' && c.a1.n === 0);
    this.started = [...this.active];
    this.rangeEnd = cmds.map(() => 0);
  }

  private write(text: string, newline: boolean): void {
    if (this.missingNewline) this.out.write('\n');
    this.out.write(text);
    if (newline) this.out.write('\n');
    this.missingNewline = !newline;
  }

  /** Run the script on one line; true when it quit (q or Q). */
  cycle(line: string, lineTerminated: boolean, last: boolean): boolean {
    this.lineNo++;
    let ps = line;
    // Whether the pattern space ends with a newline when printed: a last line without one is
    // printed without one, and (as in GNU sed) the flag travels with the text through h, H, g, G and x: appended text brings its own.
    let terminated = lineTerminated;
    const cmds = this.cmds;
    for (let pc = 0; pc < cmds.length; pc++) {
      const cmd = cmds[pc]!;
      if (cmd.c === '}') continue;
      if (this.selects(pc, ps, last) === cmd.negate) {
        if (cmd.c === '{') pc = cmd.end! - 1;
        continue;
      }
      switch (cmd.c) {
        case '{':
          break;
        case 'p':
          this.write(ps, terminated);
          break;
        case 'd':
          return false;
        case '=':
          this.write(String(this.lineNo), true);
          break;
        case 'q':
          if (!this.quiet) this.write(ps, terminated);
          // GNU sed ends what it wrote with a newline when it quits with q (not with Q).
          if (this.missingNewline) {
            this.out.write('\n');
            this.missingNewline = false;
          }
          this.exitCode = cmd.exitCode;
          return true;
        case 'Q':
          this.exitCode = cmd.exitCode;
          return true;
        case 'h':
          this.hold = ps;
          this.holdTerminated = terminated;
          break;
        case 'H':
          this.hold = this.bounded(`${this.hold}\n${ps}`);
          this.holdTerminated = terminated;
          break;
        case 'g':
          ps = this.hold;
          terminated = this.holdTerminated;
          break;
        case 'G':
          ps = this.bounded(`${ps}\n${this.hold}`);
          terminated = this.holdTerminated;
          break;
        case 'x':
          [ps, this.hold] = [this.hold, ps];
          [terminated, this.holdTerminated] = [this.holdTerminated, terminated];
          break;
        case 'y': {
          let t = '';
          for (let k = 0; k < ps.length; k++) t += String.fromCharCode(cmd.map[ps.charCodeAt(k)]!);
          ps = t;
          break;
        }
        case 's': {
          const r = substitute(ps, cmd.re, cmd.repl, cmd.nth, cmd.global, cmd.needsGroups, this.ctx.limits.stringBytes);
          if (r !== undefined) {
            ps = r;
            if (cmd.print) this.write(ps, terminated);
          }
          break;
        }
      }
    }
    if (!this.quiet) this.write(ps, terminated);
    return false;
  }

  private bounded(s: string): string {
    if (s.length > this.ctx.limits.stringBytes) throw new LimitExceededError('string', `sed: the pattern or hold space grew past ${this.ctx.limits.stringBytes} bytes`);
    return s;
  }

  private matches(a: Address, ps: string, last: boolean): boolean {
    switch (a.t) {
      case 'line': return this.lineNo === a.n;
      case 'last': return last;
      case 'regex': return a.re.test(ps);
      case 'step': return a.step <= 0 ? this.lineNo === a.first : this.lineNo >= a.first && (this.lineNo - a.first) % a.step === 0;
      case 'plus': return false;
    }
  }

  /** Whether command pc's address selects this line (ranges keep their state between lines). */
  private selects(pc: number, ps: string, last: boolean): boolean {
    const { a1, a2 } = this.cmds[pc]!;
    if (a1 === undefined) return true;
    if (a2 === undefined) return this.matches(a1, ps, last);
    if (!this.active[pc]) {
      // A range from a line number starts on the first line at or past it that reaches this
      // command (an earlier command may have ended that line's cycle), and only once, as in GNU sed.
      if (a1.t === 'line') {
        if (this.started[pc] || this.lineNo < a1.n) return false;
        this.started[pc] = true;
      } else if (!this.matches(a1, ps, last)) return false;
      if (a2.t === 'line' || a2.t === 'plus') {
        const end = a2.t === 'line' ? a2.n : this.lineNo + a2.n;
        if (end <= this.lineNo) return true;
        this.rangeEnd[pc] = end;
      }
      // GNU sed checks a first~step end on the range's first line too (a regex end it does not).
      if (a2.t === 'step' && this.matches(a2, ps, last)) return true;
      this.active[pc] = true;
      return true;
    }
    if (a2.t === 'line' || a2.t === 'plus') {
      if (this.rangeEnd[pc]! <= this.lineNo) this.active[pc] = false;
      return true;
    }
    if (this.matches(a2, ps, last)) this.active[pc] = false;
    return true;
  }
}

/**
 * One s command on a pattern space: the new text, or undefined when nothing was replaced. An empty
 * match right where the previous match ended is skipped, as GNU sed (and awk's gsub) do.
 */
export function substitute(ps: string, re: Regex, repl: ReplPart[], nth: number, global: boolean, needsGroups: boolean, maxBytes: number): string | undefined {
  let out = '';
  let start = 0;
  let count = 0;
  let prevEnd = -1;
  let replaced = false;
  while (start <= ps.length) {
    const m = re.search(ps, start);
    if (m === undefined) break;
    const [ms, me] = m;
    if (ms === me && ms === prevEnd) {
      out += ps.slice(start, ms + 1);
      start = ms + 1;
      continue;
    }
    out += ps.slice(start, ms);
    count++;
    if (count < nth) out += ps.slice(ms, me);
    else {
      out += expand(repl, ps, ms, me, needsGroups ? re.captures(ps, ms, me) : undefined);
      replaced = true;
    }
    if (out.length > maxBytes) throw new LimitExceededError('string', `a substitution grew a string past ${maxBytes} bytes`);
    prevEnd = me;
    start = me;
    if (ms === me) {
      out += ps.slice(ms, ms + 1);
      start = me + 1;
    }
    if (replaced && !global) break;
  }
  if (!replaced) return undefined;
  return start <= ps.length ? out + ps.slice(start) : out;
}

function expand(repl: ReplPart[], ps: string, ms: number, me: number, caps: Int32Array | undefined): string {
  let s = '';
  for (const p of repl) {
    if (typeof p === 'string') s += p;
    else if (p === 0) s += ps.slice(ms, me);
    else if (caps !== undefined && caps[2 * p]! >= 0) s += ps.slice(caps[2 * p], caps[2 * p + 1]);
  }
  return s;
}
