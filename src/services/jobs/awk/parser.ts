// awk programs to their AST (ast.ts): the program, its rules and statements, over the expression
// parser (expr-parser.ts). What this awk does not run is refused here or there, naming it: getline,
// output redirection and pipes, user-defined functions, system(), close(), fflush(), rand() and
// srand() (whose numbers could not match gawk's), nextfile and return.
import type { AwkProgram, Expr, Rule, Stmt } from './ast.js';
import { ExprParser, isLValue } from './expr-parser.js';
import { ExecRefusedError } from '../exec/errors.js';
import { tokenize } from './lexer.js';

export function parseAwk(src: string): AwkProgram {
  return new Parser(tokenize(src)).program();
}

class Parser extends ExprParser {
  private inBeginOrEnd = false;

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
}
