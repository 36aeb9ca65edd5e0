// awk programs to their AST (ast.ts), by recursive descent with awk's precedence (lowest first):
// assignment, ?:, ||, &&, in, ~ !~, relations, concatenation, + -, * / %, unary + - !, ^ (right
// associative), ++ --, $, grouping. What this awk does not run is refused here, naming it:
// getline, output redirection and pipes, user-defined functions, system(), close(), fflush(),
// rand() and srand() (whose numbers could not match gawk's), nextfile and return.
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

export function parseAwk(src: string): AwkProgram {
  return new Parser(tokenize(src)).program();
}

class Parser {
  private pos = 0;
  private inBeginOrEnd = false;
  private readonly names: string[] = [...SPECIAL_VARS];
  private readonly slots = new Map<string, number>(SPECIAL_VARS.map((n, i) => [n, i]));

  constructor(private readonly toks: Token[]) {}

  private get tok(): Token {
    return this.toks[this.pos]!;
  }

  private is(text: string, type?: Token['type']): boolean {
    const t = this.tok;
    return t.text === text && (type === undefined ? t.type === 'op' || t.type === 'keyword' : t.type === type);
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.pos++;
    return true;
  }

  private fail(token: string, reason: string): never {
    throw new ExecRefusedError(token === '' ? 'end of program' : token === '\n' ? 'newline' : token, `awk: ${reason}`);
  }

  private expect(text: string): void {
    if (!this.accept(text)) this.fail(this.tok.text, `syntax error: expected ${text}`);
  }

  private newlines(): void {
    while (this.tok.type === 'newline') this.pos++;
  }

  private slot(name: string): number {
    let s = this.slots.get(name);
    if (s === undefined) {
      s = this.names.length;
      this.names.push(name);
      this.slots.set(name, s);
    }
    return s;
  }

  program(): AwkProgram {
    const prog: AwkProgram = { begin: [], rules: [], end: [], names: this.names };
    for (;;) {
      while (this.tok.type === 'newline' || this.is(';')) this.pos++;
      if (this.tok.type === 'eof') break;
      if (this.is('BEGIN', 'keyword') || this.is('END', 'keyword')) {
        const which = this.tok.text;
        this.pos++;
        this.newlines();
        if (!this.is('{')) this.fail(this.tok.text, `${which} needs an action in braces`);
        this.inBeginOrEnd = true;
        (which === 'BEGIN' ? prog.begin : prog.end).push(this.block());
        this.inBeginOrEnd = false;
      } else if (this.is('function', 'keyword') || this.is('func', 'keyword')) {
        this.fail(this.tok.text, 'user-defined functions are not supported');
      } else {
        prog.rules.push(this.rule());
      }
      this.itemEnd();
    }
    return { ...prog, names: this.names };
  }

  private rule(): Rule {
    if (this.is('{')) return { action: this.block() };
    const pattern = this.expr(false);
    let end: Expr | undefined;
    if (this.accept(',')) {
      this.newlines();
      end = this.expr(false);
    }
    const action = this.is('{') ? this.block() : undefined;
    return { pattern, ...(end && { end }), ...(action && { action }) };
  }

  private itemEnd(): void {
    if (this.tok.type === 'newline' || this.is(';') || this.tok.type === 'eof') return;
    // An item that ended with its action's } may be followed by the next on the same line.
    if (this.toks[this.pos - 1]?.text === '}' && this.toks[this.pos - 1]?.type === 'op') return;
    this.fail(this.tok.text, 'syntax error: expected a newline or ; between rules');
  }

  private block(): Stmt {
    this.expect('{');
    const body: Stmt[] = [];
    for (;;) {
      while (this.tok.type === 'newline' || this.is(';')) this.pos++;
      if (this.accept('}')) break;
      if (this.tok.type === 'eof') this.fail('', 'syntax error: a { is not closed');
      body.push(this.stmt());
    }
    return { k: 'block', body, loops: body.some((s) => s.loops) };
  }

  /** A simple statement ends at ;, a newline, a } or the end. */
  private simpleEnd(): void {
    if (this.accept(';') || this.tok.type === 'newline') return;
    if (this.is('}') || this.tok.type === 'eof') return;
    this.fail(this.tok.text, `syntax error: unexpected ${this.tok.text}`);
  }

  private stmt(): Stmt {
    const t = this.tok;
    if (this.is('{')) return this.block();
    if (t.type === 'keyword') {
      switch (t.text) {
        case 'if': return this.ifStmt();
        case 'while': return this.whileStmt();
        case 'do': return this.doStmt();
        case 'for': return this.forStmt();
      }
    }
    const s = this.simple();
    this.simpleEnd();
    return s;
  }

  private body(): Stmt {
    this.newlines();
    if (this.accept(';')) return { k: 'block', body: [], loops: false };
    return this.stmt();
  }

  private ifStmt(): Stmt {
    this.pos++;
    this.expect('(');
    const c = this.expr(false);
    this.expect(')');
    const then = this.body();
    const save = this.pos;
    while (this.tok.type === 'newline' || this.is(';')) this.pos++;
    if (this.accept('else')) {
      const other = this.body();
      return { k: 'if', c, then, else: other, loops: then.loops || other.loops };
    }
    this.pos = save;
    return { k: 'if', c, then, loops: then.loops };
  }

  private whileStmt(): Stmt {
    this.pos++;
    this.expect('(');
    const c = this.expr(false);
    this.expect(')');
    if (this.accept(';')) return { k: 'while', c, body: { k: 'block', body: [], loops: false }, loops: true };
    return { k: 'while', c, body: this.body(), loops: true };
  }

  private doStmt(): Stmt {
    this.pos++;
    const body = this.body();
    while (this.tok.type === 'newline' || this.is(';')) this.pos++;
    this.expect('while');
    this.expect('(');
    const c = this.expr(false);
    this.expect(')');
    this.simpleEnd();
    return { k: 'do', body, c, loops: true };
  }

  private forStmt(): Stmt {
    this.pos++;
    this.expect('(');
    const [a, b, c, d] = [this.toks[this.pos], this.toks[this.pos + 1], this.toks[this.pos + 2], this.toks[this.pos + 3]];
    if (a?.type === 'name' && b?.text === 'in' && c?.type === 'name' && d?.text === ')') {
      this.pos += 4;
      return { k: 'forin', varSlot: this.slot(a.text), arraySlot: this.slot(c.text), body: this.body(), loops: true };
    }
    const init = this.is(';') ? undefined : this.simpleExpr();
    this.expect(';');
    this.newlines();
    const cond = this.is(';') ? undefined : this.expr(false);
    this.expect(';');
    this.newlines();
    const step = this.is(')') ? undefined : this.simpleExpr();
    this.expect(')');
    if (this.accept(';')) return { k: 'for', ...(init && { init }), ...(cond && { c: cond }), ...(step && { step }), body: { k: 'block', body: [], loops: false }, loops: true };
    return { k: 'for', ...(init && { init }), ...(cond && { c: cond }), ...(step && { step }), body: this.body(), loops: true };
  }

  private simpleExpr(): Expr {
    return this.expr(false);
  }

  private simple(): Stmt {
    const t = this.tok;
    if (t.type === 'keyword') {
      switch (t.text) {
        case 'print':
        case 'printf': {
          this.pos++;
          const args = this.printArgs();
          if (this.is('>') || this.is('>>') || this.is('|')) this.fail(this.tok.text, 'output redirection is not allowed');
          if (t.text === 'printf' && args.length === 0) this.fail('printf', 'printf needs a format');
          return { k: t.text, args, loops: false };
        }
        case 'next':
          if (this.inBeginOrEnd) this.fail('next', 'next is not allowed in a BEGIN or END action');
          this.pos++;
          return { k: 'next', loops: false };
        case 'exit': {
          this.pos++;
          const e = this.atSimpleEnd() ? undefined : this.expr(false);
          return { k: 'exit', ...(e && { e }), loops: false };
        }
        case 'break':
        case 'continue':
          this.pos++;
          return { k: t.text, loops: false };
        case 'delete': {
          this.pos++;
          if (this.tok.type !== 'name') this.fail(this.tok.text, 'delete needs an array');
          const slot = this.slot(this.tok.text);
          this.pos++;
          if (!this.accept('[')) return { k: 'delete', slot, loops: false };
          const subs = this.exprList(']');
          return { k: 'delete', slot, subs, loops: false };
        }
        case 'getline':
          this.fail('getline', 'getline is not supported');
        // falls through: fail() throws
        case 'return':
          this.fail('return', 'return outside a function');
        // falls through
        case 'nextfile':
          this.fail('nextfile', 'nextfile is not supported');
      }
    }
    return { k: 'expr', e: this.expr(false), loops: false };
  }

  private atSimpleEnd(): boolean {
    return this.is(';') || this.is('}') || this.tok.type === 'newline' || this.tok.type === 'eof';
  }

  /** print's arguments: none, a list, or a parenthesised list (print (a, b)); a bare > is a redirection. */
  private printArgs(): Expr[] {
    if (this.atSimpleEnd() || this.is('>') || this.is('>>') || this.is('|')) return [];
    if (this.is('(')) {
      const save = this.pos;
      this.pos++;
      const list = this.exprList(')');
      if (this.atSimpleEnd() || this.is('>') || this.is('>>') || this.is('|')) return list;
      this.pos = save;
    }
    const args = [this.expr(true)];
    while (this.accept(',')) {
      this.newlines();
      args.push(this.expr(true));
    }
    return args;
  }

  /** Expressions separated by commas up to `close` (consumed). */
  private exprList(close: string): Expr[] {
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
  expr(noGt: boolean): Expr {
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

  private ternary(noGt: boolean): Expr {
    const c = this.or(noGt);
    if (!this.accept('?')) return c;
    this.newlines();
    const a = this.expr(noGt);
    this.newlines();
    this.expect(':');
    this.newlines();
    return { k: 'cond', c, a, b: this.expr(noGt) };
  }

  private or(noGt: boolean): Expr {
    let a = this.and(noGt);
    while (this.accept('||')) {
      this.newlines();
      a = { k: 'or', a, b: this.and(noGt) };
    }
    return a;
  }

  private and(noGt: boolean): Expr {
    let a = this.inExpr(noGt);
    while (this.accept('&&')) {
      this.newlines();
      a = { k: 'and', a, b: this.inExpr(noGt) };
    }
    return a;
  }

  private inExpr(noGt: boolean): Expr {
    let a = this.matchExpr(noGt);
    while (this.is('in', 'keyword')) {
      this.pos++;
      a = { k: 'in', subs: [a], slot: this.arrayName() };
    }
    return a;
  }

  private arrayName(): number {
    if (this.tok.type !== 'name') this.fail(this.tok.text, 'syntax error: expected an array name');
    return this.slot(this.toks[this.pos++]!.text);
  }

  private matchExpr(noGt: boolean): Expr {
    let a = this.relational(noGt);
    while (this.is('~') || this.is('!~')) {
      const negate = this.tok.text === '!~';
      this.pos++;
      const rhs = this.relational(noGt);
      a = { k: 'match', negate, e: a, re: rhs.k === 'regex' ? { k: 'lit', re: rhs.re } : { k: 'dyn', e: rhs } };
    }
    return a;
  }

  private relational(noGt: boolean): Expr {
    const a = this.concat(noGt);
    const op = this.tok.text;
    if (this.tok.type === 'op' && (op === '<' || op === '<=' || op === '!=' || op === '==' || op === '>=' || (op === '>' && !noGt))) {
      this.pos++;
      return { k: 'cmp', op, a, b: this.concat(noGt) };
    }
    return a;
  }

  private startsOperand(): boolean {
    const t = this.tok;
    if (t.type === 'number' || t.type === 'string' || t.type === 'regex' || t.type === 'name' || t.type === 'funcname' || t.type === 'builtin') return true;
    if (t.type === 'keyword') return t.text === 'getline';
    return t.type === 'op' && (t.text === '$' || t.text === '!' || t.text === '(' || t.text === '++' || t.text === '--' || t.text === '-' || t.text === '+');
  }

  private concat(noGt: boolean): Expr {
    let a = this.additive();
    while (this.startsOperand() && !this.is('-') && !this.is('+')) {
      if (this.is('getline', 'keyword')) this.fail('getline', 'getline is not supported');
      a = { k: 'concat', a, b: this.additive() };
    }
    void noGt;
    return a;
  }

  private additive(): Expr {
    let a = this.multiplicative();
    while (this.is('+') || this.is('-')) {
      const op = this.toks[this.pos++]!.text;
      a = { k: 'arith', op, a, b: this.multiplicative() };
    }
    return a;
  }

  private multiplicative(): Expr {
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

  private unary(): Expr {
    if (this.accept('!')) return { k: 'not', e: this.unary() };
    if (this.accept('-')) return { k: 'neg', e: this.unary() };
    if (this.accept('+')) return { k: 'plus', e: this.unary() };
    return this.power();
  }

  private power(): Expr {
    const a = this.postfix();
    if (this.is('^') || this.is('**')) {
      this.pos++;
      const b = this.is('-') || this.is('+') || this.is('!') ? this.unary() : this.power();
      return { k: 'arith', op: '^', a, b };
    }
    return a;
  }

  private postfix(): Expr {
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

  private primary(): Expr {
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

  private regex(text: string): import('../regex/regex.js').Regex {
    const parsed = parseForTool('awk', text, 'awk', false);
    return compileForTool('awk', text, parsed.node, parsed.groups);
  }

  private regexOperand(e: Expr): RegexOperand {
    return e.k === 'regex' ? { k: 'lit', re: e.re } : { k: 'dyn', e };
  }

  private call(): Expr {
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

function isLValue(e: Expr): e is LValue {
  return e.k === 'var' || e.k === 'field' || e.k === 'elem';
}
