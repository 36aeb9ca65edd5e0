// sort's ordering, as GNU sort computes it in the C locale: keys (-k) located by begfield and
// limfield, their options (b d f i n r), the global options keys without options inherit, and the
// last-resort comparison of whole lines byte by byte (reversed by a global -r), which -s and -u
// turn off. The functions mirror coreutils' sort.c so that ties break the same way.
import { ExecRefusedError } from '../../exec/errors.js';

/** One key as GNU stores it: 0-based start field and char, end field and char (0: end of field). */
export interface KeyDef {
  /** Start field (0-based) or -1 for "from the start of the line" (GNU's SIZE_MAX). */
  sword: number;
  schar: number;
  /** End field (0-based) or -1 for "to the end of the line". */
  eword: number;
  echar: number;
  skipStartBlanks: boolean;
  skipEndBlanks: boolean;
  dictionary: boolean;
  fold: boolean;
  printable: boolean;
  numeric: boolean;
  reverse: boolean;
}

export interface SortOrder {
  keys: KeyDef[];
  /** -t's byte, or undefined for the default (fields start at blank runs). */
  tab: string | undefined;
  reverse: boolean;
  stable: boolean;
  unique: boolean;
}

export type Compare = (a: string, b: string) => number;

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/** Options letters as they follow a key's position: b applies to the start or the end it follows. */
export function applyKeyFlags(key: KeyDef, flags: string, end: boolean, spec: string): void {
  for (const f of flags) {
    if (f === 'b') {
      if (end) key.skipEndBlanks = true;
      else key.skipStartBlanks = true;
    } else if (f === 'd') key.dictionary = true;
    else if (f === 'f') key.fold = true;
    else if (f === 'i') key.printable = true;
    else if (f === 'n') key.numeric = true;
    else if (f === 'r') key.reverse = true;
    else throw new ExecRefusedError(spec, `sort: key option ${f} is not supported (b d f i n r are)`);
  }
}

/** A -k argument: F[.C][OPTS][,F[.C][OPTS]]. */
export function parseKey(spec: string): KeyDef {
  const m = /^([0-9]+)(?:\.([0-9]+))?([a-zA-Z]*)(?:,([0-9]+)(?:\.([0-9]+))?([a-zA-Z]*))?$/.exec(spec);
  if (m === null) throw new ExecRefusedError(spec, 'sort: invalid key (F[.C][OPTS][,F[.C][OPTS]])');
  const key: KeyDef = { sword: Number(m[1]) - 1, schar: m[2] === undefined ? 0 : Number(m[2]) - 1, eword: -1, echar: 0, skipStartBlanks: false, skipEndBlanks: false, dictionary: false, fold: false, printable: false, numeric: false, reverse: false };
  if (key.sword < 0) throw new ExecRefusedError(spec, 'sort: field number is zero');
  if (key.schar < 0) throw new ExecRefusedError(spec, 'sort: character offset is zero');
  if (key.sword === 0 && key.schar === 0) key.sword = -1;
  applyKeyFlags(key, m[3]!, false, spec);
  if (m[4] !== undefined) {
    key.eword = Number(m[4]) - 1;
    if (key.eword < 0) throw new ExecRefusedError(spec, 'sort: field number is zero');
    key.echar = m[5] === undefined ? 0 : Number(m[5]);
    applyKeyFlags(key, m[6]!, true, spec);
  }
  return key;
}

/** Whether a key has no ordering options of its own (GNU's default_key_compare), so it inherits the global ones. */
export function hasNoOptions(k: KeyDef): boolean {
  return !(k.skipStartBlanks || k.skipEndBlanks || k.dictionary || k.fold || k.printable || k.numeric);
}

function begfield(line: string, key: KeyDef, tab: string | undefined): number {
  const lim = line.length;
  let p = 0;
  let sword = key.sword;
  if (tab !== undefined) {
    while (p < lim && sword-- > 0) {
      while (p < lim && line[p] !== tab) p++;
      if (p < lim) p++;
    }
  } else {
    while (p < lim && sword-- > 0) {
      while (p < lim && isBlank(line[p])) p++;
      while (p < lim && !isBlank(line[p])) p++;
    }
  }
  if (key.skipStartBlanks) while (p < lim && isBlank(line[p])) p++;
  return Math.min(lim, p + key.schar);
}

function limfield(line: string, key: KeyDef, tab: string | undefined): number {
  const lim = line.length;
  let p = 0;
  let eword = key.echar === 0 ? key.eword + 1 : key.eword;
  if (tab !== undefined) {
    while (p < lim && eword-- > 0) {
      while (p < lim && line[p] !== tab) p++;
      if (p < lim && (eword > 0 || key.echar !== 0)) p++;
    }
  } else {
    while (p < lim && eword-- > 0) {
      while (p < lim && isBlank(line[p])) p++;
      while (p < lim && !isBlank(line[p])) p++;
    }
  }
  if (key.echar !== 0) {
    if (key.skipEndBlanks) while (p < lim && isBlank(line[p])) p++;
    p = Math.min(lim, p + key.echar);
  }
  return p;
}

/** The text of a key in a line, after -d, -i and -f. */
export function keyText(line: string, key: KeyDef, tab: string | undefined): string {
  const lim = key.eword < 0 ? line.length : limfield(line, key, tab);
  let beg: number;
  if (key.sword >= 0) beg = begfield(line, key, tab);
  else {
    beg = 0;
    if (key.skipStartBlanks) while (beg < lim && isBlank(line[beg])) beg++;
  }
  let text = lim <= beg ? '' : line.slice(beg, lim);
  if (key.dictionary || key.printable) text = text.replace(key.dictionary ? /[^ \t0-9A-Za-z]/g : /[^\x20-\x7e]/g, '');
  if (key.fold) text = text.replace(/[a-z]+/g, (s) => s.toUpperCase());
  return text;
}

/** A number as sort -n reads it: [blanks][-]digits[.digits], anything else after it ignored. */
interface Decimal {
  sign: -1 | 0 | 1;
  int: string;
  frac: string;
}

export function parseDecimal(s: string): Decimal {
  const m = /^[ \t]*(-?)0*([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
  const int = m[2]!;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (int === '' && frac === '') return { sign: 0, int: '', frac: '' };
  return { sign: m[1] === '-' ? -1 : 1, int, frac };
}

export function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let d = a.int.length - b.int.length;
  if (d === 0) d = a.int < b.int ? -1 : a.int > b.int ? 1 : 0;
  if (d === 0) d = a.frac < b.frac ? -1 : a.frac > b.frac ? 1 : 0;
  return a.sign * Math.sign(d);
}

const bytewise: Compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** The comparison of the keys alone (no last resort), or undefined when there are no keys. */
export function keyCompare(order: SortOrder): Compare | undefined {
  if (order.keys.length === 0) return undefined;
  const { keys, tab } = order;
  return (a, b) => {
    for (const key of keys) {
      const ta = keyText(a, key, tab);
      const tb = keyText(b, key, tab);
      const d = key.numeric ? compareDecimal(parseDecimal(ta), parseDecimal(tb)) : bytewise(ta, tb);
      if (d !== 0) return key.reverse ? -d : d;
    }
    return 0;
  };
}

/** The full comparison: keys, then (unless -s or -u) whole lines byte by byte, reversed by -r. */
export function fullCompare(order: SortOrder): Compare {
  const keys = keyCompare(order);
  const last: Compare = order.reverse ? (a, b) => bytewise(b, a) : bytewise;
  if (keys === undefined) return last;
  if (order.stable || order.unique) return keys;
  return (a, b) => keys(a, b) || last(a, b);
}
