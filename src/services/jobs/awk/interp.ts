// The awk interpreter: evaluates expressions and runs statements over the variables, the arrays
// and the current record. Statements without loops run straight through; statements with loops
// run as generators that yield every few thousand iterations, so that a long or endless loop
// lets the host's event loop run (a cancel gets through) and hands its output on. Every
// statement and iteration counts against the task's step budget, every array element against
// its element budget and memory, every string against the string bound.
import type { ToolContext } from '../exec/context.js';
import { LimitExceededError, ToolFailure } from '../exec/errors.js';
import { OutBuffer } from '../exec/bytes.js';
import type { Regex } from '../regex/regex.js';
import type { Expr, LValue, RegexOperand, Stmt } from './ast.js';
import { callBuiltin } from './builtins.js';
import { Fields, splitterFor, type Splitter } from './fields.js';
import { SLOT } from './expr-parser.js';
import { printfStatement, printStatement } from './output.js';
import { DynamicRegexes } from './regexes.js';
import { compareResult, compareValues, gawkPower, Input, numberToString, toNumber, toStr, truthy, valueBytes, type Value } from './values.js';

export type AwkArray = Map<string, Value>;

/** An lvalue resolved: a variable, a field by number, or an array's element by key. */
export type Ref = { k: 'var'; slot: number } | { k: 'fieldAt'; i: number } | { k: 'elemAt'; a: AwkArray; key: string };

/** How a statement ended: normally, or with a jump the enclosing construct handles. */
export const enum Ctl {
  Normal = 0,
  Break = 1,
  Continue = 2,
  Next = 3,
  Exit = 4,
}

/** Iterations between two checks for a yield. */
const YIELD_EVERY = 4096;
/** What an array element costs beyond its key and value, for memory accounting. */
const ELEMENT_OVERHEAD_BYTES = 64;

export class Interp {
  readonly vars: Array<Value | AwkArray>;
  readonly fields: Fields;
  readonly out = new OutBuffer();
  nr = 0;
  exitCode = 0;
  /** Set when a loop yielded because its slice of work is used up (not only for output). */
  wantsPause = false;
  private steps = 0;
  private iterations = 0;
  private elements = 0;
  private splitterFs = ' ';
  private splitter: Splitter = { k: 'blank' };
  readonly regexes: DynamicRegexes;

  constructor(names: readonly string[], readonly ctx: ToolContext) {
    this.vars = names.map(() => undefined);
    const v = this.vars;
    v[SLOT.FS] = ' ';
    v[SLOT.OFS] = ' ';
    v[SLOT.ORS] = '\n';
    v[SLOT.RS] = '\n';
    v[SLOT.SUBSEP] = '\x1c';
    v[SLOT.CONVFMT] = '%.6g';
    v[SLOT.OFMT] = '%.6g';
    v[SLOT.RSTART] = 0;
    v[SLOT.RLENGTH] = -1;
    v[SLOT.FILENAME] = '';
    v[SLOT.ENVIRON] = new Map();
    v[SLOT.ARGV] = new Map([['0', 'awk']]);
    v[SLOT.ARGC] = 1;
    this.regexes = new DynamicRegexes(ctx.limits);
    this.fields = new Fields(ctx.limits.fields, () => this.str(this.vars[SLOT.OFS] as Value), () => this.convfmt);
  }

  get convfmt(): string {
    return toStr(this.vars[SLOT.CONVFMT] as Value, '%.6g');
  }

  str(v: Value): string {
    return toStr(v, this.convfmt);
  }

  /** The splitter of the current FS (compiled again only when FS changes). */
  currentSplitter(): Splitter {
    const fs = this.str(this.scalar(SLOT.FS));
    if (fs !== this.splitterFs) {
      this.splitter = splitterFor(fs, this.ctx.limits);
      this.splitterFs = fs;
    }
    return this.splitter;
  }

  /** RS as it stands: records are cut by it as they are read. */
  rs(): string {
    return this.str(this.scalar(SLOT.RS));
  }

  /** Start a new record. In paragraph mode (RS = "") a newline always separates fields too. */
  setRecord(text: string): void {
    this.fields.set(text, this.currentSplitter(), this.rs() === '');
  }

  /** A rule without an action: print $0. */
  printRecord(): void {
    this.out.write(this.fields.text);
    this.out.write(this.str(this.scalar(SLOT.ORS)));
  }

  fail(message: string): never {
    throw new ToolFailure(2, `fatal: ${message}`);
  }

  private step(): void {
    if (++this.steps > this.ctx.limits.awkSteps) throw new LimitExceededError('steps', `awk: the program ran more than ${this.ctx.limits.awkSteps} steps`);
  }

  scalar(slot: number): Value {
    const v = this.vars[slot];
    if (v instanceof Map) this.fail(`attempt to use array \`${slot}' in a scalar context`);
    return v;
  }

  array(slot: number): AwkArray {
    const v = this.vars[slot];
    if (v instanceof Map) return v;
    if (v !== undefined) this.fail('attempt to use a scalar value as array');
    const a: AwkArray = new Map();
    this.vars[slot] = a;
    return a;
  }

  subscript(subs: Expr[]): string {
    if (subs.length === 1) return this.str(this.eval(subs[0]!));
    const sep = this.str(this.scalar(SLOT.SUBSEP));
    return subs.map((e) => this.str(this.eval(e))).join(sep);
  }

  /** Count a new element (and its key) against the budgets. */
  grew(key: string): void {
    if (++this.elements > this.ctx.limits.awkArrayElements) throw new LimitExceededError('array', `awk: arrays hold more than ${this.ctx.limits.awkArrayElements} elements`);
    this.ctx.reserve(key.length + ELEMENT_OVERHEAD_BYTES);
  }

  shrank(key: string, value: Value): void {
    this.elements--;
    this.ctx.release(key.length + ELEMENT_OVERHEAD_BYTES + valueBytes(value));
  }

  /** Store into an array element, keeping the memory account of string values. */
  setElem(a: AwkArray, key: string, v: Value): void {
    const old = a.get(key);
    if (old === undefined && !a.has(key)) this.grew(key);
    this.ctx.reserve(valueBytes(v));
    this.ctx.release(valueBytes(old));
    a.set(key, v);
  }

  getElem(a: AwkArray, key: string): Value {
    const v = a.get(key);
    if (v === undefined && !a.has(key)) {
      this.grew(key);
      a.set(key, undefined);
    }
    return v;
  }

  /** An lvalue with its subscript or field number evaluated, once, so that side effects happen once. */
  ref(lv: LValue): Ref {
    if (lv.k === 'var') return lv;
    if (lv.k === 'field') return { k: 'fieldAt', i: this.fieldIndex(lv.index) };
    return { k: 'elemAt', a: this.array(lv.slot), key: this.subscript(lv.subs) };
  }

  read(lv: LValue | Ref): Value {
    const r = lv.k === 'var' || lv.k === 'fieldAt' || lv.k === 'elemAt' ? lv : this.ref(lv);
    if (r.k === 'var') return this.readVar(r.slot);
    if (r.k === 'fieldAt') return this.fields.get(r.i);
    return this.getElem(r.a, r.key);
  }

  private readVar(slot: number): Value {
    if (slot === SLOT.NF) return this.fields.nf;
    if (slot === SLOT.NR || slot === SLOT.FNR) return this.nr;
    return this.scalar(slot);
  }

  private fieldIndex(e: Expr): number {
    const n = toNumber(this.eval(e));
    return n !== n ? 0 : Math.trunc(n);
  }

  write(lv: LValue | Ref, v: Value): Value {
    const r = lv.k === 'var' || lv.k === 'fieldAt' || lv.k === 'elemAt' ? lv : this.ref(lv);
    if (r.k === 'var') {
      const slot = r.slot;
      if (this.vars[slot] instanceof Map) this.fail('attempt to use array in a scalar context');
      if (slot === SLOT.NF) this.fields.nf = toNumber(v);
      else if (slot === SLOT.NR || slot === SLOT.FNR) this.nr = Math.trunc(toNumber(v));
      else this.vars[slot] = v;
    } else if (r.k === 'fieldAt') {
      this.fields.assign(r.i, v, this.currentSplitter());
    } else {
      this.setElem(r.a, r.key, v);
    }
    return v;
  }

  regexOf(op: RegexOperand): Regex {
    if (op.k === 'lit') return op.re;
    return this.regexes.get(this.str(this.eval(op.e)));
  }

  /** Check a new string against the string bound. */
  bounded(s: string): string {
    if (s.length > this.ctx.limits.stringBytes) throw new LimitExceededError('string', `awk: a string grew past ${this.ctx.limits.stringBytes} bytes`);
    return s;
  }

  eval(e: Expr): Value {
    switch (e.k) {
      case 'num': return e.v;
      case 'str': return e.v;
      case 'var': return this.readVar(e.slot);
      case 'field': return this.fields.get(this.fieldIndex(e.index));
      case 'elem': return this.getElem(this.array(e.slot), this.subscript(e.subs));
      case 'regex': return e.re.test(this.fields.text) ? 1 : 0;
      case 'assign': return this.assign(e.op, e.target, e.e);
      case 'cond': return truthy(this.eval(e.c)) ? this.eval(e.a) : this.eval(e.b);
      case 'or': return truthy(this.eval(e.a)) || truthy(this.eval(e.b)) ? 1 : 0;
      case 'and': return truthy(this.eval(e.a)) && truthy(this.eval(e.b)) ? 1 : 0;
      case 'in': {
        const key = this.subscript(e.subs);
        return this.array(e.slot).has(key) ? 1 : 0;
      }
      case 'match': {
        const s = this.str(this.eval(e.e));
        return this.regexOf(e.re).test(s) !== e.negate ? 1 : 0;
      }
      case 'cmp': return compareResult(e.op, compareValues(this.eval(e.a), this.eval(e.b), this.convfmt));
      case 'concat': {
        const a = this.str(this.eval(e.a));
        return this.bounded(a + this.str(this.eval(e.b)));
      }
      case 'arith': return this.arith(e.op, toNumber(this.eval(e.a)), toNumber(this.eval(e.b)));
      case 'neg': return -toNumber(this.eval(e.e));
      case 'plus': return toNumber(this.eval(e.e));
      case 'not': return truthy(this.eval(e.e)) ? 0 : 1;
      case 'incdec': {
        const target = this.ref(e.target);
        const old = toNumber(this.read(target));
        this.write(target, old + e.delta);
        return e.pre ? old + e.delta : old;
      }
      case 'call': return callBuiltin(this, e);
    }
  }

  private assign(op: string, target: LValue, rhs: Expr): Value {
    if (op === '=') {
      const v = this.eval(rhs);
      return this.write(target, v);
    }
    const b = toNumber(this.eval(rhs));
    const ref = this.ref(target);
    const a = toNumber(this.read(ref));
    return this.write(ref, this.arith(op[0]!, a, b));
  }

  arith(op: string, a: number, b: number): number {
    switch (op) {
      case '+': return a + b;
      case '-': return a - b;
      case '*': return a * b;
      case '/':
        if (b === 0) this.fail('division by zero attempted');
        return a / b;
      case '%':
        if (b === 0) this.fail('division by zero attempted in `%\'');
        return a % b;
      default: return gawkPower(a, b);
    }
  }

  /** Run a statement that contains no loop. */
  exec(s: Stmt): Ctl {
    this.step();
    switch (s.k) {
      case 'expr':
        this.eval(s.e);
        return Ctl.Normal;
      case 'print':
        printStatement(this, s.args);
        return Ctl.Normal;
      case 'printf':
        printfStatement(this, s.args);
        return Ctl.Normal;
      case 'if':
        if (truthy(this.eval(s.c))) return this.exec(s.then);
        return s.else === undefined ? Ctl.Normal : this.exec(s.else);
      case 'block':
        for (const t of s.body) {
          const c = this.exec(t);
          if (c !== Ctl.Normal) return c;
        }
        return Ctl.Normal;
      case 'next': return Ctl.Next;
      case 'exit':
        if (s.e !== undefined) this.exitCode = Math.trunc(toNumber(this.eval(s.e))) & 255;
        return Ctl.Exit;
      case 'break': return Ctl.Break;
      case 'continue': return Ctl.Continue;
      case 'delete':
        this.delete(s.slot, s.subs);
        return Ctl.Normal;
      default:
        throw new Error(`a loop (${s.k}) reached the loop-free path`);
    }
  }

  private delete(slot: number, subs: Expr[] | undefined): void {
    const a = this.array(slot);
    if (subs === undefined) {
      for (const [k, v] of a) this.shrank(k, v);
      a.clear();
      return;
    }
    const key = this.subscript(subs);
    if (a.has(key)) {
      this.shrank(key, a.get(key));
      a.delete(key);
    }
  }

  /** Run any statement; yields when its slice of work or its output buffer is used up. */
  *run(s: Stmt): Generator<void, Ctl, undefined> {
    if (!s.loops) return this.exec(s);
    this.step();
    switch (s.k) {
      case 'block':
        for (const t of s.body) {
          const c = t.loops ? yield* this.run(t) : this.exec(t);
          if (c !== Ctl.Normal) return c;
        }
        return Ctl.Normal;
      case 'if':
        if (truthy(this.eval(s.c))) return yield* this.run(s.then);
        return s.else === undefined ? Ctl.Normal : yield* this.run(s.else);
      case 'while':
        while (truthy(this.eval(s.c))) {
          const c = yield* this.iteration(s.body);
          if (c === Ctl.Break) break;
          if (c === Ctl.Next || c === Ctl.Exit) return c;
        }
        return Ctl.Normal;
      case 'do':
        do {
          const c = yield* this.iteration(s.body);
          if (c === Ctl.Break) break;
          if (c === Ctl.Next || c === Ctl.Exit) return c;
        } while (truthy(this.eval(s.c)));
        return Ctl.Normal;
      case 'for':
        if (s.init !== undefined) this.eval(s.init);
        while (s.c === undefined || truthy(this.eval(s.c))) {
          const c = yield* this.iteration(s.body);
          if (c === Ctl.Break) break;
          if (c === Ctl.Next || c === Ctl.Exit) return c;
          if (s.step !== undefined) this.eval(s.step);
        }
        return Ctl.Normal;
      case 'forin': {
        const a = this.array(s.arraySlot);
        for (const key of [...a.keys()]) {
          if (!a.has(key)) continue;
          this.write({ k: 'var', slot: s.varSlot }, new Input(key));
          const c = yield* this.iteration(s.body);
          if (c === Ctl.Break) break;
          if (c === Ctl.Next || c === Ctl.Exit) return c;
        }
        return Ctl.Normal;
      }
      default:
        return this.exec(s);
    }
  }

  /** One iteration of a loop's body, with a yield every few thousand iterations when due. */
  private *iteration(body: Stmt): Generator<void, Ctl, undefined> {
    if (++this.iterations % YIELD_EVERY === 0) {
      this.step();
      this.wantsPause = this.ctx.work(YIELD_EVERY * 16);
      if (this.wantsPause || this.out.full) yield;
    }
    return body.loops ? yield* this.run(body) : this.exec(body);
  }
}

