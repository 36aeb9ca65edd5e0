// awk's tokens. A / starts a regular expression where an operand is expected and divides where
// an operator is; newlines are tokens (they end statements) except after a backslash; strings
// keep awk's escapes (\n, \t, \", \\, \/, \ddd…).
import { ExecRefusedError } from '../exec/errors.js';

export type TokenType = 'number' | 'string' | 'regex' | 'name' | 'funcname' | 'builtin' | 'keyword' | 'op' | 'newline' | 'eof';

export interface Token {
  type: TokenType;
  /** The text: an operator, a name, a keyword, a string's value, a regex's source. */
  text: string;
  /** For numbers, the value. */
  value?: number;
  /** Offset in the program, for messages. */
  at: number;
}

export const KEYWORDS = new Set(['BEGIN', 'END', 'function', 'func', 'if', 'else', 'while', 'for', 'do', 'break', 'continue', 'next', 'nextfile', 'exit', 'return', 'delete', 'in', 'getline', 'print', 'printf']);

export const BUILTINS = new Set(['length', 'substr', 'index', 'split', 'sub', 'gsub', 'match', 'sprintf', 'sin', 'cos', 'atan2', 'exp', 'log', 'sqrt', 'int', 'tolower', 'toupper', 'rand', 'srand', 'system', 'close', 'fflush']);

/** Operators, longest first so that the lexer takes the longest that fits. */
const OPS = ['+=', '-=', '*=', '/=', '%=', '^=', '**=', '**', '==', '<=', '>=', '!=', '++', '--', '&&', '||', '>>', '!~', '{', '}', '(', ')', '[', ']', ';', ',', '+', '-', '*', '/', '%', '^', '!', '>', '<', '|', '?', ':', '~', '$', '='];

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', '/': '/', a: '\x07', b: '\b', f: '\f', v: '\v' };

/**
 * A string's escapes: \ddd (one to three octal digits), \n \t \r \\ \" \/ \a \b \f \v, a
 * backslash before a newline removed, a backslash before any other character dropped (gawk
 * --posix keeps the character), and a trailing backslash dropped.
 */
export function processEscapes(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let s = '';
  for (let i = 0; i < raw.length; i++) {
    const d = raw[i]!;
    if (d !== '\\') {
      s += d;
      continue;
    }
    const e = raw[i + 1];
    if (e === undefined) break;
    if (e >= '0' && e <= '7') {
      let j = i + 1;
      let v = 0;
      while (j < i + 4 && raw[j]! >= '0' && raw[j]! <= '7') v = v * 8 + Number(raw[j++]);
      s += String.fromCharCode(v & 255);
      i = j - 1;
      continue;
    }
    i++;
    if (e !== '\n') s += ESCAPES[e] ?? e;
  }
  return s;
}

/** After these a / divides; elsewhere it starts a regex. */
function operandEnded(prev: Token | undefined): boolean {
  if (prev === undefined) return false;
  if (prev.type === 'number' || prev.type === 'string' || prev.type === 'regex' || prev.type === 'name' || prev.type === 'funcname') return true;
  if (prev.type === 'builtin') return prev.text === 'length';
  return prev.type === 'op' && (prev.text === ')' || prev.text === ']' || prev.text === '$' || prev.text === '++' || prev.text === '--');
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail: (token: string, reason: string) => never = (token, reason) => {
    throw new ExecRefusedError(token, `awk: ${reason}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
    } else if (c === '\\' && src[i + 1] === '\r' && src[i + 2] === '\n') {
      i += 3;
    } else if (c === '\n') {
      out.push({ type: 'newline', text: '\n', at: i++ });
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '"') {
      const start = i++;
      while (src[i] !== '"') {
        if (i >= src.length || src[i] === '\n') fail(src.slice(start, start + 24), 'a string is not closed');
        i += src[i] === '\\' ? 2 : 1;
      }
      const s = processEscapes(src.slice(start + 1, i++));
      out.push({ type: 'string', text: s, at: start });
    } else if (c === '/' && !operandEnded(out.at(-1))) {
      const start = i++;
      let s = '';
      let inBracket = false;
      for (;;) {
        if (i >= src.length || src[i] === '\n') fail(src.slice(start, start + 24), 'a regular expression is not closed');
        const d = src[i]!;
        if (d === '/' && !inBracket) break;
        if (d === '\\' && i + 1 < src.length) {
          s += src[i + 1] === '/' ? '/' : d + src[i + 1];
          i += 2;
          continue;
        }
        if (d === '[' && !inBracket) {
          inBracket = true;
          s += d;
          i++;
          if (src[i] === '^') s += src[i++];
          if (src[i] === ']') s += src[i++];
          continue;
        }
        if (d === ']' && inBracket) inBracket = false;
        s += d;
        i++;
      }
      i++;
      out.push({ type: 'regex', text: s, at: start });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      out.push({ type: 'number', text: m[0], value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      const word = m[0];
      const type: TokenType = KEYWORDS.has(word) ? 'keyword' : BUILTINS.has(word) ? 'builtin' : src[i + word.length] === '(' ? 'funcname' : 'name';
      out.push({ type, text: word, at: i });
      i += word.length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (op === undefined) fail(c, `unexpected character ${JSON.stringify(c)}`);
      if (op === '**' || op === '**=') fail(op, `${op} is not POSIX awk (use ^)`);
      out.push({ type: 'op', text: op, at: i });
      i += op.length;
    }
  }
  out.push({ type: 'eof', text: '', at: src.length });
  return out;
}
