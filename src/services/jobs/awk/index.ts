// awk: runs a POSIX awk program (parser.ts says what is refused) over the records of its stdin,
// with gawk --posix's output in the C locale. Options: -F fs, -v var=value (both with awk's
// escapes) and `--`; the program is the first operand and the only other operand allowed is `-`.
// Records stream: only the current record is held, plus what the program keeps in its arrays.
import type { ToolContext } from '../exec/context.js';
import { ExecRefusedError, ToolFailure } from '../exec/errors.js';
import { getopt } from '../exec/getopt.js';
import { chunks, type Builtin } from '../exec/tool.js';
import type { AwkProgram, Rule, Stmt } from './ast.js';
import { Ctl, Interp } from './interp.js';
import { processEscapes } from './lexer.js';
import { SLOT } from './expr-parser.js';
import { parseAwk } from './parser.js';
import { RecordReader } from './records.js';
import { Input, truthy } from './values.js';

interface Assignment {
  name: string;
  value: string;
}

export const awk: Builtin = {
  name: 'awk',
  prepare(args) {
    const { options, operands } = getopt('awk', args, { flags: '', valued: 'Fvf', stopAtOperand: true });
    const assignments: Assignment[] = [];
    let fs: string | undefined;
    for (const o of options) {
      if (o.name === 'f') throw new ExecRefusedError('-f', 'awk: program files (-f) are not supported; give the program as an operand');
      if (o.name === 'F') {
        if (o.value === '') throw new ExecRefusedError('-F', 'awk: -F needs a non-empty field separator');
        fs = processEscapes(o.value);
      } else assignments.push(parseAssignment(o.value));
    }
    const source = operands.shift();
    if (source === undefined) throw new ExecRefusedError('awk', 'awk: a program is required');
    for (const op of operands) {
      if (op !== '-') throw new ExecRefusedError(op, 'awk: reads its standard input only; file operands and operand assignments are not allowed');
    }
    const program = parseAwk(source);
    return async function* (stdin, ctx) {
      const it = new Interp(program.names, ctx);
      if (fs !== undefined) it.vars[SLOT.FS] = fs;
      for (const a of assignments) {
        const slot = program.names.indexOf(a.name);
        if (slot >= 0) it.write({ k: 'var', slot }, new Input(a.value));
      }
      try {
        yield* runProgram(program, it, stdin, ctx);
      } catch (e) {
        // gawk writes out what the program printed before a fatal error.
        if (e instanceof ToolFailure && !it.out.empty) yield it.out.take();
        throw e;
      }
      if (!it.out.empty) yield it.out.take();
      return it.exitCode;
    };
  },
};

function parseAssignment(text: string): Assignment {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(text);
  if (m === null) throw new ExecRefusedError(text, 'awk: -v needs var=value');
  const name = m[1]!;
  if (name === 'ENVIRON' || name === 'ARGV') throw new ExecRefusedError(text, `awk: ${name} cannot be assigned`);
  return { name, value: processEscapes(text.slice(m[0].length)) };
}

/** BEGIN, the records through the rules, then END; output leaves in chunks as it fills. */
async function* runProgram(program: AwkProgram, it: Interp, stdin: AsyncIterable<Uint8Array>, ctx: ToolContext): AsyncGenerator<Uint8Array, void, undefined> {
  let exited = false;
  for (const s of program.begin) {
    if ((yield* drive(it, s, ctx)) === Ctl.Exit) {
      exited = true;
      break;
    }
  }
  if (!exited && (program.rules.length > 0 || program.end.length > 0)) {
    const inRange = program.rules.map(() => false);
    const reader = new RecordReader(ctx.limits.lineBytes);
    records: for await (const chunk of chunks(stdin, ctx)) {
      reader.push(chunk);
      for (let rec = reader.next(it.rs()); rec !== undefined; rec = reader.next(it.rs())) {
        if ((yield* record(program.rules, inRange, it, rec, ctx)) === Ctl.Exit) {
          exited = true;
          break records;
        }
        if (it.out.full) yield it.out.take();
      }
    }
    if (!exited) {
      for (let rec = reader.finish(it.rs()); rec !== undefined; rec = reader.finish(it.rs())) {
        if ((yield* record(program.rules, inRange, it, rec, ctx)) === Ctl.Exit) break;
      }
    }
  }
  for (const s of program.end) {
    if ((yield* drive(it, s, ctx)) === Ctl.Exit) break;
  }
}

/** One record through every rule; Next ends it early, Exit ends the input. */
async function* record(rules: readonly Rule[], inRange: boolean[], it: Interp, text: string, ctx: ToolContext): AsyncGenerator<Uint8Array, Ctl, undefined> {
  it.nr++;
  it.setRecord(text);
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    if (!selects(rule, r, inRange, it)) continue;
    if (rule.action === undefined) {
      it.printRecord();
      continue;
    }
    const c = yield* drive(it, rule.action, ctx);
    if (c === Ctl.Next) return Ctl.Normal;
    if (c === Ctl.Exit) return Ctl.Exit;
  }
  return Ctl.Normal;
}

/** Whether rule r's pattern selects the current record; a range remembers whether it is open. */
function selects(rule: Rule, r: number, inRange: boolean[], it: Interp): boolean {
  if (rule.pattern === undefined) return true;
  if (rule.end === undefined) return truthy(it.eval(rule.pattern));
  if (!inRange[r]) {
    if (!truthy(it.eval(rule.pattern))) return false;
    inRange[r] = !truthy(it.eval(rule.end));
    return true;
  }
  if (truthy(it.eval(rule.end))) inRange[r] = false;
  return true;
}

/** Run a statement to its end, handing on output and letting the host run while it loops. */
async function* drive(it: Interp, s: Stmt, ctx: ToolContext): AsyncGenerator<Uint8Array, Ctl, undefined> {
  if (!s.loops) return it.exec(s);
  const gen = it.run(s);
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
    if (it.out.full) yield it.out.take();
    if (it.wantsPause) {
      it.wantsPause = false;
      await ctx.pause();
    }
  }
}
