// The current record and its fields. Fields are split lazily (a program that only prints $0 or
// matches it never splits), by the field separator in force when the record was read: " " splits
// on runs of blanks and newlines ignoring them at both ends, any other single character splits on
// itself, and a longer FS is an extended regular expression. Assigning a field or NF rebuilds $0
// with OFS, assigning $0 splits again.
import { LimitExceededError, ToolFailure } from '../exec/errors.js';
import { Regex, type RegexLimits } from '../regex/regex.js';
import { Input, toStr, type Value } from './values.js';

/** How a record (or split()'s string) is cut into fields. */
export type Splitter = { k: 'blank' } | { k: 'char'; c: string } | { k: 'regex'; re: Regex };

/** The splitter an FS value means; a regex FS is compiled once per distinct value. */
export function splitterFor(fs: string, limits: RegexLimits): Splitter {
  if (fs === ' ') return { k: 'blank' };
  if (fs.length === 1 && fs !== '\\') return { k: 'char', c: fs };
  if (fs === '') throw new ToolFailure(2, 'fatal: an empty field separator is not supported');
  try {
    return { k: 'regex', re: Regex.compile(fs, 'awk', false, limits) };
  } catch (e) {
    if (e instanceof LimitExceededError) throw e;
    throw new ToolFailure(2, `fatal: invalid field separator regular expression ${JSON.stringify(fs)}: ${(e as Error).message}`);
  }
}

/**
 * Split s into its pieces; with `newlines` (paragraph mode) a newline separates them too when FS is
 * a single character (gawk adds it to no regular-expression FS).
 */
export function splitFields(s: string, sp: Splitter, maxFields: number, newlines = false): string[] {
  if (newlines && sp.k === 'char' && s.includes('\n')) {
    const parts = s.split('\n').flatMap((line) => (line === '' ? [''] : splitFields(line, sp, maxFields)));
    if (parts.length > maxFields) throw new LimitExceededError('fields', `awk: a record has more than ${maxFields} fields`);
    return parts;
  }
  let parts: string[];
  if (sp.k === 'blank') {
    const t = s.replace(/^[ \t\n]+|[ \t\n]+$/g, '');
    parts = t === '' ? [] : t.split(/[ \t\n]+/);
  } else if (s === '') {
    parts = [];
  } else if (sp.k === 'char') {
    parts = s.split(sp.c);
  } else {
    parts = [];
    let from = 0;
    let at = 0;
    while (at <= s.length) {
      const m = sp.re.search(s, at);
      if (m === undefined) break;
      if (m[1] === m[0]) {
        // A separator that matches the empty string separates nothing (gawk skips it).
        at = m[0] + 1;
        continue;
      }
      parts.push(s.slice(from, m[0]));
      from = at = m[1];
      if (parts.length > maxFields) break;
    }
    parts.push(s.slice(from));
  }
  if (parts.length > maxFields) throw new LimitExceededError('fields', `awk: a record has more than ${maxFields} fields`);
  return parts;
}

/** A field past NF: an empty string that compares as a string, as in gawk. */
const PAST_NF = new Input('');

export class Fields {
  private record = '';
  private recordValue: Input = new Input('');
  /** $1…$NF, or undefined until something asks for a field or NF. */
  private fields: Value[] | undefined = [];
  /** $0 must be rebuilt from the fields before it is read. */
  private stale = false;
  private splitter: Splitter = { k: 'blank' };
  private newlines = false;

  constructor(private readonly maxFields: number, private readonly ofs: () => string, private readonly convfmt: () => string) {}

  /** A new record, to be split by `splitter` when a field is first wanted. */
  set(record: string, splitter: Splitter, newlines = false): void {
    this.record = record;
    this.newlines = newlines;
    this.recordValue = new Input(record);
    this.fields = undefined;
    this.stale = false;
    this.splitter = splitter;
  }

  private split(): Value[] {
    if (this.fields === undefined) this.fields = splitFields(this.record, this.splitter, this.maxFields, this.newlines).map((p) => new Input(p));
    return this.fields;
  }

  get nf(): number {
    return this.split().length;
  }

  set nf(n: number) {
    const count = Math.trunc(n);
    if (count < 0) throw new ToolFailure(2, `fatal: NF set to negative value ${count}`);
    if (count > this.maxFields) throw new LimitExceededError('fields', `awk: NF set past ${this.maxFields}`);
    const f = this.split();
    if (count < f.length) f.length = count;
    else while (f.length < count) f.push(undefined);
    this.stale = true;
  }

  /** $i's value ($0 included). */
  get(i: number): Value {
    if (i === 0) {
      if (this.stale) this.rebuild();
      return this.recordValue;
    }
    if (i < 0) throw new ToolFailure(2, `fatal: attempt to access field ${i}`);
    const f = this.split();
    return i <= f.length ? (f[i - 1] ?? '') : PAST_NF;
  }

  /** The record as a string ($0). */
  get text(): string {
    if (this.stale) this.rebuild();
    return this.record;
  }

  /** Make field i exist (NF grows to i) without rebuilding $0, as gawk does for sub's target. */
  reach(i: number): void {
    if (i <= 0) return;
    if (i > this.maxFields) throw new LimitExceededError('fields', `awk: field $${i} is past the limit of ${this.maxFields}`);
    const f = this.split();
    while (f.length < i) f.push(undefined);
  }

  assign(i: number, v: Value, splitter: Splitter): void {
    if (i === 0) {
      this.set(toStr(v, this.convfmt()), splitter);
      return;
    }
    if (i < 0) throw new ToolFailure(2, `fatal: attempt to access field ${i}`);
    if (i > this.maxFields) throw new LimitExceededError('fields', `awk: field $${i} is past the limit of ${this.maxFields}`);
    const f = this.split();
    while (f.length < i) f.push(undefined);
    f[i - 1] = v;
    this.stale = true;
  }

  private rebuild(): void {
    const convfmt = this.convfmt();
    this.record = this.split().map((v) => toStr(v, convfmt)).join(this.ofs());
    this.recordValue = new Input(this.record);
    this.stale = false;
  }
}
