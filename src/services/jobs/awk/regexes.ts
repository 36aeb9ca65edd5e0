// Regular expressions an awk program builds at run time ($0 ~ pattern, split(s, a, fs)): compiled
// once per distinct text, in a bounded cache, and a bad one ends the program with status 2 as
// gawk's fatal error does.
import { LimitExceededError, ToolFailure } from '../exec/errors.js';
import { Regex, type RegexLimits } from '../regex/regex.js';

/** Distinct dynamic patterns kept compiled; a program cycling through more recompiles. */
const CACHE_ENTRIES = 64;

export class DynamicRegexes {
  private readonly cache = new Map<string, Regex>();

  constructor(private readonly limits: RegexLimits) {}

  get(pattern: string): Regex {
    const hit = this.cache.get(pattern);
    if (hit !== undefined) return hit;
    let re: Regex;
    try {
      re = Regex.compile(pattern, 'awk', false, this.limits);
    } catch (e) {
      if (e instanceof LimitExceededError) throw e;
      throw new ToolFailure(2, `fatal: invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
    }
    if (this.cache.size >= CACHE_ENTRIES) this.cache.clear();
    this.cache.set(pattern, re);
    return re;
  }
}
