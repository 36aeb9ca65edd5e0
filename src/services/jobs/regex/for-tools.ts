// Building a tool's regular expressions when a job is created: syntax errors and patterns too
// large to compile become refusals that name the pattern, like any other bad argument.
import { ExecRefusedError } from '../exec/errors.js';
import { DEFAULT_EXEC_LIMITS } from '../exec/limits.js';
import type { Node } from './ast.js';
import { parseRegex, RegexSyntaxError, type Dialect, type Flavor, type ParsedRegex } from './parse.js';
import { ProgramTooLargeError } from './program.js';
import { Regex } from './regex.js';

/** The bounds a tool's patterns get; the same for every task, so a job that prepares runs. */
export const TOOL_REGEX_LIMITS = { regexInstructions: DEFAULT_EXEC_LIMITS.regexInstructions, regexSteps: DEFAULT_EXEC_LIMITS.regexSteps };

/** Parse a pattern, or refuse it naming the command and what is wrong. */
export function parseForTool(command: string, pattern: string, dialect: Dialect, icase: boolean, flavor: Flavor = 'grep'): ParsedRegex {
  try {
    return parseRegex(pattern, dialect, icase, flavor);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new ExecRefusedError(e.token === '' ? pattern : e.token, `${command}: ${e.message} in the regular expression ${JSON.stringify(pattern)}`);
    throw e;
  }
}

/** Compile a parsed pattern (or a combination of patterns), refusing one that is too large. */
export function compileForTool(command: string, pattern: string, node: Node, groups: number): Regex {
  try {
    return new Regex({ node, groups }, TOOL_REGEX_LIMITS);
  } catch (e) {
    if (e instanceof ProgramTooLargeError) throw new ExecRefusedError(pattern, `${command}: ${e.message}`);
    throw e;
  }
}

/** A pattern given as a fixed string (grep -F): its bytes, case-folded when asked. */
export function literalNode(text: string, icase: boolean): Node {
  const items: Node[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const lower = c >= 65 && c <= 90 ? c + 32 : c;
    const upper = c >= 97 && c <= 122 ? c - 32 : c;
    if (icase && lower !== upper) {
      const bits = new Uint8Array(256);
      bits[lower] = bits[upper] = 1;
      items.push({ t: 'set', bits });
    } else items.push({ t: 'char', c });
  }
  return items.length === 1 ? items[0]! : items.length === 0 ? { t: 'empty' } : { t: 'cat', items };
}
