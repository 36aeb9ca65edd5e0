// The shell syntax an exec may use: words with POSIX quoting ('…', "…" with its four
// backslash escapes, a backslash outside quotes) and `|` between stages. Everything else the
// shell would interpret (expansions, redirections, lists, background jobs, globs, comments,
// subshells, newlines between commands) is refused with an error that names it, so an exec
// never means something other than what it runs.
import { ExecRefusedError } from './errors.js';
import { MAX_EXEC_BYTES, MAX_PIPELINE_STAGES, MAX_STAGE_WORDS } from './limits.js';

/** One stage of a pipeline: its words after quote removal, as the user's (UTF-16) text. */
export type StageWords = string[];

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** Characters that make `$c` an expansion: a name, a digit, a brace, a paren or a special parameter. */
const EXPANSION_AFTER_DOLLAR = /[A-Za-z0-9_{(@*#?$!'"-]/;

/** The words of each stage of an exec; throws ExecRefusedError naming what it refuses. */
export function splitPipeline(exec: string): StageWords[] {
  const bytes = new TextEncoder().encode(exec).length;
  if (bytes > MAX_EXEC_BYTES) throw new ExecRefusedError(`${exec.slice(0, 24)}…`, `exec is ${bytes} bytes, more than the ${MAX_EXEC_BYTES} allowed`);
  return new Lexer(exec).run();
}

class Lexer {
  private i = 0;
  private word = '';
  private inWord = false;
  private words: string[] = [];
  private readonly stages: StageWords[] = [];

  constructor(private readonly s: string) {}

  run(): StageWords[] {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === ' ' || c === '\t') {
        this.endWord();
        this.i++;
      } else if (c === '|') {
        this.pipe();
      } else if (c === "'") {
        this.single();
      } else if (c === '"') {
        this.double();
      } else if (c === '\\') {
        this.backslash();
      } else {
        this.plain(c);
      }
    }
    this.endWord();
    if (this.words.length === 0) {
      throw new ExecRefusedError(this.stages.length === 0 ? '' : '|', this.stages.length === 0 ? 'exec is empty' : 'a pipeline cannot end with |');
    }
    this.pushStage();
    return this.stages;
  }

  private plain(c: string): void {
    const s = this.s;
    const code = c.charCodeAt(0);
    if (c === '\n' || c === '\r') throw new ExecRefusedError(c === '\n' ? '\\n' : '\\r', 'an unquoted newline (one pipeline per exec) is not allowed');
    if (code < 0x20 || code === 0x7f) throw new ExecRefusedError(`\\x${code.toString(16).padStart(2, '0')}`, 'a control character is not allowed outside quotes');
    if (c === ';') throw new ExecRefusedError(';', 'a command list (;) is not allowed');
    if (c === '&') throw new ExecRefusedError(s.startsWith('&&', this.i) ? '&&' : '&', s.startsWith('&&', this.i) ? 'a command list (&&) is not allowed' : 'a background job (&) is not allowed');
    if (c === '<' || c === '>') throw new ExecRefusedError(this.redirection(), 'a redirection is not allowed');
    if (c === '(' || c === ')') throw new ExecRefusedError(c, 'a subshell or grouping is not allowed');
    if (c === '`') throw new ExecRefusedError(this.rest(), 'command substitution (`…`) is not allowed');
    if (c === '$') return this.dollar();
    if (c === '*' || c === '?' || c === '[' || c === ']') throw new ExecRefusedError(this.currentToken(), `an unquoted glob character ${c} is not allowed (quote it)`);
    if (c === '{' || c === '}') throw new ExecRefusedError(this.currentToken(), `an unquoted ${c} is not allowed (quote it)`);
    if (!this.inWord && (c === '#' || c === '~')) throw new ExecRefusedError(this.currentToken(), c === '#' ? 'a comment is not allowed' : 'tilde expansion is not allowed');
    if (!this.inWord && c === '!' && this.words.length === 0) throw new ExecRefusedError('!', 'pipeline negation (!) is not allowed');
    this.word += c;
    this.inWord = true;
    this.i++;
  }

  private pipe(): void {
    if (this.s[this.i + 1] === '|') throw new ExecRefusedError('||', 'a command list (||) is not allowed');
    this.endWord();
    if (this.words.length === 0) throw new ExecRefusedError('|', this.stages.length === 0 ? 'a pipeline cannot start with |' : 'a pipeline stage is empty');
    if (this.s[this.i + 1] === '&') throw new ExecRefusedError('|&', 'a redirection is not allowed');
    this.pushStage();
    this.i++;
  }

  private single(): void {
    const end = this.s.indexOf("'", this.i + 1);
    if (end < 0) throw new ExecRefusedError(this.s.slice(this.i, this.i + 24), "a single quote (') is not closed");
    this.word += this.s.slice(this.i + 1, end);
    this.inWord = true;
    this.i = end + 1;
  }

  /** Inside double quotes a backslash escapes only $ ` " \ and newline; $ and ` still expand (refused). */
  private double(): void {
    const s = this.s;
    const start = this.i;
    this.i++;
    for (;;) {
      if (this.i >= s.length) throw new ExecRefusedError(s.slice(start, start + 24), 'a double quote (") is not closed');
      const c = s[this.i]!;
      if (c === '"') break;
      if (c === '\\' && this.i + 1 < s.length && '$`"\\\n'.includes(s[this.i + 1]!)) {
        if (s[this.i + 1] !== '\n') this.word += s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (c === '`') throw new ExecRefusedError(this.rest(), 'command substitution (`…`) is not allowed');
      if (c === '$' && this.i + 1 < s.length && EXPANSION_AFTER_DOLLAR.test(s[this.i + 1]!) && s[this.i + 1] !== "'") {
        throw new ExecRefusedError(this.expansionToken(), 'parameter expansion and command substitution are not allowed');
      }
      this.word += c;
      this.i++;
    }
    this.inWord = true;
    this.i++;
  }

  private backslash(): void {
    const next = this.s[this.i + 1];
    if (next === undefined) throw new ExecRefusedError('\\', 'an exec cannot end with a backslash');
    if (next === '\n') throw new ExecRefusedError('\\\\n', 'a line continuation is not allowed');
    this.word += next;
    this.inWord = true;
    this.i += 2;
  }

  /** A lone $ (before a blank, a |, a quote's end or the end) is literal, as in sh; anything else expands. */
  private dollar(): void {
    const next = this.s[this.i + 1];
    if (next !== undefined && EXPANSION_AFTER_DOLLAR.test(next)) {
      const what = next === "'" || next === '"' ? `$${next} quoting` : 'parameter expansion and command substitution';
      throw new ExecRefusedError(this.expansionToken(), `${what} ${next === "'" || next === '"' ? 'is' : 'are'} not allowed`);
    }
    this.word += '$';
    this.inWord = true;
    this.i++;
  }

  /** `$NAME`, `${…}`, `$(…)` or `$c`, as written, for the refusal. */
  private expansionToken(): string {
    const s = this.s;
    const next = s[this.i + 1] ?? '';
    if (next === '(' || next === '{') {
      const close = s.indexOf(next === '(' ? ')' : '}', this.i);
      return close < 0 ? s.slice(this.i, this.i + 24) : s.slice(this.i, close + 1);
    }
    if (NAME_START.test(next)) {
      let j = this.i + 2;
      while (j < s.length && NAME_CHAR.test(s[j]!)) j++;
      return s.slice(this.i, j);
    }
    return s.slice(this.i, this.i + 2);
  }

  /** A redirection as written: its file-descriptor digits, its operator and its target word. */
  private redirection(): string {
    const s = this.s;
    const digits = /^[0-9]+$/.test(this.word) ? this.word : '';
    let j = this.i;
    while (j < s.length && '<>&|-'.includes(s[j]!)) j++;
    while (j < s.length && s[j] === ' ') j++;
    while (j < s.length && !' \t|;&<>'.includes(s[j]!)) j++;
    return (digits + s.slice(this.i, j)).trimEnd();
  }

  /** The word being read up to its end, as written (for a glob or a brace). */
  private currentToken(): string {
    const s = this.s;
    let j = this.i;
    while (j < s.length && !' \t|;&<>'.includes(s[j]!)) j++;
    return this.word + s.slice(this.i, j);
  }

  private rest(): string {
    const close = this.s.indexOf('`', this.i + 1);
    return close < 0 ? this.s.slice(this.i, this.i + 24) : this.s.slice(this.i, close + 1);
  }

  private endWord(): void {
    if (!this.inWord) return;
    if (this.words.length >= MAX_STAGE_WORDS) throw new ExecRefusedError(this.word.slice(0, 24), `a stage has more than ${MAX_STAGE_WORDS} words`);
    this.words.push(this.word);
    this.word = '';
    this.inWord = false;
  }

  private pushStage(): void {
    if (this.stages.length >= MAX_PIPELINE_STAGES) throw new ExecRefusedError('|', `a pipeline has more than ${MAX_PIPELINE_STAGES} stages`);
    this.stages.push(this.words);
    this.words = [];
  }
}
