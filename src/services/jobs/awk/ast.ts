// The parsed form of an awk program. Variables are numbered slots (the parser assigns them), so
// the interpreter reaches a variable by index rather than by name.
import type { Regex } from '../regex/regex.js';

/** A regular expression operand: a literal compiled once, or any expression compiled at run time. */
export type RegexOperand = { k: 'lit'; re: Regex } | { k: 'dyn'; e: Expr };

export type LValue =
  | { k: 'var'; slot: number }
  | { k: 'field'; index: Expr }
  | { k: 'elem'; slot: number; subs: Expr[] };

export type Expr =
  | LValue
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'regex'; re: Regex }
  | { k: 'assign'; op: string; target: LValue; e: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr }
  | { k: 'or'; a: Expr; b: Expr }
  | { k: 'and'; a: Expr; b: Expr }
  | { k: 'in'; subs: Expr[]; slot: number }
  | { k: 'match'; negate: boolean; e: Expr; re: RegexOperand }
  | { k: 'cmp'; op: string; a: Expr; b: Expr }
  | { k: 'concat'; a: Expr; b: Expr }
  | { k: 'arith'; op: string; a: Expr; b: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'plus'; e: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'incdec'; pre: boolean; delta: number; target: LValue }
  | { k: 'call'; name: string; args: Expr[]; regexArg?: RegexOperand; arrayArg?: number };

export type Stmt = { loops: boolean } & (
  | { k: 'expr'; e: Expr }
  | { k: 'print'; args: Expr[] }
  | { k: 'printf'; args: Expr[] }
  | { k: 'if'; c: Expr; then: Stmt; else?: Stmt }
  | { k: 'while'; c: Expr; body: Stmt }
  | { k: 'do'; body: Stmt; c: Expr }
  | { k: 'for'; init?: Expr; c?: Expr; step?: Expr; body: Stmt }
  | { k: 'forin'; varSlot: number; arraySlot: number; body: Stmt }
  | { k: 'block'; body: Stmt[] }
  | { k: 'next' }
  | { k: 'exit'; e?: Expr }
  | { k: 'break' }
  | { k: 'continue' }
  | { k: 'delete'; slot: number; subs?: Expr[] }
);

export interface Rule {
  pattern?: Expr;
  /** A range pattern's end (the rule is `pattern, end`). */
  end?: Expr;
  /** Absent: print $0. */
  action?: Stmt;
}

export interface AwkProgram {
  begin: Stmt[];
  rules: Rule[];
  end: Stmt[];
  /** Each slot's name, by number. */
  names: string[];
}
