// The expression half of the awk parser: tokens, variable slots, and expressions by recursive
// descent with awk's precedence (lowest first): assignment, ?:, ||, &&, in, ~ !~, relations,
// concatenation, + -, * / %, unary + - !, ^ (right associative), ++ --, $, grouping. Built-in calls
// awk has but this one does not run (rand, srand, system, close, fflush) are refused here, naming them.
import { ExecRefusedError } from '../exec/errors.js';
import { compileForTool, parseForTool } from '../regex/for-tools.js';
import type { AwkProgram, Expr, LValue, RegexOperand, Rule, Stmt } from './ast.js';
import { tokenize, type Token } from './lexer.js';


/** Variables with a meaning to awk, in slot order: the interpreter relies on these numbers. */
export const SPECIAL_VARS = ['NF', 'NR', 'FNR', 'FS', 'OFS', 'ORS', 'RS', 'SUBSEP', 'CONVFMT', 'OFMT', 'RSTART', 'RLENGTH', 'FILENAME', 'ENVIRON', 'ARGC', 'ARGV'] as const;
export const SLOT = Object.fromEntries(SPECIAL_VARS.map((n, i) => [n, i])) as Record<(typeof SPECIAL_VARS)[number], number>;

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '^=', '**=']);
const REFUSED_BUILTINS: Record<string, string> = {
  rand: 'rand() is not supported (its numbers could not match gawk\'s)',
  srand: 'srand() is not supported (its numbers could not match gawk\'s)',
  system: 'system() is not allowed',
  close: 'close() is not supported (there are no files or pipes to close)',
  fflush: 'fflush() is not supported',
};

/** Tokens, slots and expressions; the statement parser (parser.ts) builds on it. */
export abstract class ExprParser {
  protected pos = 0;
  protected readonly names: string[] = [...SPECIAL_VARS];
  protected readonly slots = new Map<string, number>(SPECIAL_VARS.map((n, i) => [n, i]));

  constructor(protected readonly toks: Token[]) {}

  protected get tok(): Token {
    return this.toks[this.pos]!;
  }

  protected is(text: string, type?: Token['type']): boolean {
    const t = this.tok;
    return t.text === text && (type === undefined ? t.type === 'op' || t.type === 'keyword' : t.type === type);
  }

  protected accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.pos++;
    return true;
  }

  protected fail(token: string, reason: string): never {
    throw new ExecRefusedError(token === '' ? 'end of program' : token === '\n' ? 'newline' : token, `awk: ${reason}`);
  }

  protected expect(text: string): void {
    if (!this.accept(text)) this.fail(this.tok.text, `syntax error: expected ${text}`);
  }

  protected newlines(): void {
    while (this.tok.type === 'newline') this.pos++;
  }

  protected slot(name: string): number {
    let s = this.slots.get(name);
    if (s === undefined) {
      s = this.names.length;
      this.names.push(name);
      this.slots.set(name, s);
    }
    return s;
  }

  /** Expressions separated by commas up to `close` (consumed). */
  protected exprList(close: string): Expr[] {
    const list: Expr[] = [];
    this.newlines();
    if (this.accept(close)) return list;
    for (;;) {
      list.push(this.expr(false));
      this.newlines();
      if (this.accept(close)) return list;
      this.expect(',');
      this.newlines();
    }
  }

  /** An expression; in print's arguments (noGt) a bare > ends it (it would be a redirection). */
  protected expr(noGt: boolean): Expr {
    const left = this.ternary(noGt);
    const op = this.tok.text;
    if (this.tok.type === 'op' && ASSIGN_OPS.has(op)) {
      if (!isLValue(left)) this.fail(op, 'syntax error: assignment to something that is not a variable, field or element');
      this.pos++;
      this.newlines();
      return { k: 'assign', op: op === '**=' ? '^=' : op, target: left, e: this.expr(noGt) };
    }
    return left;
  }

  protected ternary(noGt: boolean): Expr {
    const c = this.or(noGt);
    if (!this.accept('?')) return c;
    this.newlines();
    const a = this.expr(noGt);
    this.newlines();
    this.expect(':');
    this.newlines();
    return { k: 'cond', c, a, b: this.expr(noGt) };
  }

  protected or(noGt: boolean): Expr {
    let a = this.and(noGt);
    while (this.accept('||')) {
      this.newlines();
      a = { k: 'or', a, b: this.and(noGt) };
    }
    return a;
  }

  protected and(noGt: boolean): Expr {
    let a = this.inExpr(noGt);
    while (this.accept('&&')) {
      this.newlines();
      a = { k: 'and', a, b: this.inExpr(noGt) };
    }
    return a;
  }

  protected inExpr(noGt: boolean): Expr {
    let a = this.matchExpr(noGt);
    while (this.is('in', 'keyword')) {
      this.pos++;
      a = { k: 'in', subs: [a], slot: this.arrayName() };
    }
    return a;
  }

  protected arrayName(): number {
    if (this.tok.type !== 'name') this.fail(this.tok.text, 'syntax error: expected an array name');
    return this.slot(this.toks[this.pos++]!.text);
  }

  protected matchExpr(noGt: boolean): Expr {
    let a = this.relational(noGt);
    while (this.is('~') || this.is('!~')) {
      const negate = this.tok.text === '!~';
      this.pos++;
      const rhs = this.relational(noGt);
      a = { k: 'match', negate, e: a, re: rhs.k === 'regex' ? { k: 'lit', re: rhs.re } : { k: 'dyn', e: rhs } };
    }
    return a;
  }

  protected relational(noGt: boolean): Expr {
    const a = this.concat(noGt);
    const op = this.tok.text;
    if (this.tok.type === 'op' && (op === '<' || op === '<=' || op === '!=' || op === '==' || op === '>=' || (op === '>' && !noGt))) {
      this.pos++;
      return { k: 'cmp', op, a, b: this.concat(noGt) };
    }
    return a;
  }

  protected startsOperand(): boolean {
    const t = this.tok;
    if (t.type === 'number' || t.type === 'string' || t.type === 'regex' || t.type === 'name' || t.type === 'funcname' || t.type === 'builtin') return true;
    if (t.type === 'keyword') return t.text === 'getline';
    return t.type === 'op' && (t.text === '$' || t.text === '!' || t.text === '(' || t.text === '++' || t.text === '--' || t.text === '-' || t.text === '+');
  }

  protected concat(noGt: boolean): Expr {
    let a = this.additive();
    while (this.startsOperand() && !this.is('-') && !this.is('+')) {
      if (this.is('getline', 'keyword')) this.fail('getline', 'getline is not supported');
      a = { k: 'concat', a, b: this.additive() };
    }
    void noGt;
    return a;
  }

  protected additive(): Expr {
    let a = this.multiplicative();
    while (this.is('+') || this.is('-')) {
      const op = this.toks[this.pos++]!.text;
      a = { k: 'arith', op, a, b: this.multiplicative() };
    }
    return a;
  }

  protected multiplicative(): Expr {
    let a = this.unary();
    while (this.is('*') || this.is('/') || this.is('%')) {
      const op = this.toks[this.pos++]!.text;
      const b = this.unary();
      // gawk folds a constant divisor and rejects the whole program when it is zero.
      if ((op === '/' || op === '%') && b.k === 'num' && b.v === 0) this.fail(op, 'division by zero');
      a = { k: 'arith', op, a, b };
    }
    return a;
  }

  protected unary(): Expr {
    if (this.accept('!')) return { k: 'not', e: this.unary() };
    if (this.accept('-')) return { k: 'neg', e: this.unary() };
    if (this.accept('+')) return { k: 'plus', e: this.unary() };
    return this.power();
  }

  protected power(): Expr {
    const a = this.postfix();
    if (this.is('^') || this.is('**')) {
      this.pos++;
      const b = this.is('-') || this.is('+') || this.is('!') ? this.unary() : this.power();
      return { k: 'arith', op: '^', a, b };
    }
    return a;
  }

  protected postfix(): Expr {
    if (this.is('++') || this.is('--')) {
      const delta = this.toks[this.pos++]!.text === '++' ? 1 : -1;
      const target = this.primary();
      if (!isLValue(target)) this.fail(delta > 0 ? '++' : '--', 'syntax error: ++ or -- needs a variable, field or element');
      return { k: 'incdec', pre: true, delta, target };
    }
    const p = this.primary();
    if (isLValue(p) && (this.is('++') || this.is('--'))) {
      const delta = this.toks[this.pos++]!.text === '++' ? 1 : -1;
      return { k: 'incdec', pre: false, delta, target: p };
    }
    return p;
  }

  protected primary(): Expr {
    const t = this.tok;
    switch (t.type) {
      case 'number':
        this.pos++;
        return { k: 'num', v: t.value! };
      case 'string':
        this.pos++;
        return { k: 'str', v: t.text };
      case 'regex':
        this.pos++;
        return { k: 'regex', re: this.regex(t.text) };
      case 'name': {
        this.pos++;
        const slot = this.slot(t.text);
        if (this.accept('[')) return { k: 'elem', slot, subs: this.exprList(']') };
        return { k: 'var', slot };
      }
      case 'funcname':
        this.fail(t.text, 'user-defined functions are not supported');
      // falls through: fail() throws
      case 'builtin':
        return this.call();
      case 'keyword':
        if (t.text === 'getline') this.fail('getline', 'getline is not supported');
        this.fail(t.text, `syntax error: unexpected ${t.text}`);
      // falls through
      case 'newline':
      case 'eof':
        this.fail(t.text, 'syntax error: an expression is missing');
      // falls through
      default:
        break;
    }
    if (this.accept('$')) {
      if (this.is('++') || this.is('--') || this.is('-') || this.is('+') || this.is('!')) return { k: 'field', index: this.unary() };
      return { k: 'field', index: this.primary() };
    }
    if (this.accept('(')) {
      this.newlines();
      const first = this.expr(false);
      this.newlines();
      if (this.accept(')')) return first;
      this.expect(',');
      const subs = [first, ...this.exprList(')')];
      if (!this.is('in', 'keyword')) this.fail(this.tok.text, 'syntax error: a parenthesised list must be followed by in');
      this.pos++;
      return { k: 'in', subs, slot: this.arrayName() };
    }
    this.fail(t.text, `syntax error: unexpected ${t.text}`);
  }

  protected regex(text: string): import('../regex/regex.js').Regex {
    const parsed = parseForTool('awk', text, 'awk', false);
    return compileForTool('awk', text, parsed.node, parsed.groups);
  }

  protected regexOperand(e: Expr): RegexOperand {
    return e.k === 'regex' ? { k: 'lit', re: e.re } : { k: 'dyn', e };
  }

  protected call(): Expr {
    const name = this.toks[this.pos++]!.text;
    const refused = REFUSED_BUILTINS[name];
    if (refused !== undefined) this.fail(name, refused);
    if (name === 'length' && !this.is('(')) return { k: 'call', name, args: [] };
    this.expect('(');
    const args = this.exprList(')');
    const arity: Record<string, [number, number]> = { length: [0, 1], substr: [2, 3], index: [2, 2], split: [2, 3], sub: [2, 3], gsub: [2, 3], match: [2, 2], sprintf: [1, 255], sin: [1, 1], cos: [1, 1], atan2: [2, 2], exp: [1, 1], log: [1, 1], sqrt: [1, 1], int: [1, 1], tolower: [1, 1], toupper: [1, 1] };
    const [min, max] = arity[name]!;
    if (args.length < min || args.length > max) this.fail(name, `${name} takes ${min === max ? min : `${min} to ${max}`} arguments, not ${args.length}`);
    if (name === 'split') {
      const arr = args[1]!;
      if (arr.k !== 'var') this.fail(name, 'split needs an array as its second argument');
      return { k: 'call', name, args: [args[0]!], arrayArg: arr.slot, ...(args[2] && { regexArg: this.regexOperand(args[2]) }) };
    }
    if (name === 'sub' || name === 'gsub') {
      const target = args[2];
      if (target !== undefined && !isLValue(target)) this.fail(name, `${name}'s third argument must be a variable, field or element`);
      return { k: 'call', name, args: args.slice(1), regexArg: this.regexOperand(args[0]!) };
    }
    if (name === 'match') return { k: 'call', name, args: [args[0]!], regexArg: this.regexOperand(args[1]!) };
    return { k: 'call', name, args };
  }
}

export function isLValue(e: Expr): e is LValue {
  return e.k === 'var' || e.k === 'field' || e.k === 'elem';
}
