// awk's values and their conversions, as gawk --posix has them in the C locale. A value is a
// number, a string, an input string (a field, a split() element, a -v value: a "strnum" that
// compares as a number when it looks like one) or uninitialised (both "" and 0). Strings become
// numbers the way strtod reads their longest numeric prefix (so "0x1A" is 26 and "+inf" is
// infinity, as in gawk), numbers become strings as integers when they are whole, else by CONVFMT.
import { formatPrintf } from './printf.js';

/** An input string: a field, a split() element or a -v assignment. */
export class Input {
  private num: number | undefined;
  private numeric: boolean | undefined;

  constructor(readonly s: string) {}

  get value(): number {
    if (this.num === undefined) this.scan();
    return this.num!;
  }

  /** Whether the whole string (blanks aside) is a number, which makes comparisons numeric. */
  get looksNumeric(): boolean {
    if (this.numeric === undefined) this.scan();
    return this.numeric!;
  }

  private scan(): void {
    const r = strtod(this.s, 0);
    this.num = r.value;
    let end = r.end;
    while (end < this.s.length && isSpace(this.s.charCodeAt(end))) end++;
    this.numeric = r.end > 0 && end === this.s.length && r.sawDigits;
  }
}

export type Value = number | string | Input | undefined;

export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?/;
const SPECIAL = /^([+-]?)(inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** strtod: the numeric prefix of s from `at` (after blanks); end is 0 when there is none. */
export function strtod(s: string, at: number): { value: number; end: number; sawDigits: boolean } {
  let i = at;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const rest = s.slice(i, i + 400);
  const hex = HEX.exec(rest);
  if (hex !== null && (hex[2] !== '' || (hex[3] ?? '') !== '')) {
    const int = hex[2] === '' ? 0 : Number.parseInt(hex[2]!, 16);
    const frac = hex[3] ? Number.parseInt(hex[3], 16) / 16 ** hex[3].length : 0;
    const v = (int + frac) * 2 ** Number(hex[4] ?? 0);
    return { value: hex[1] === '-' ? -v : v, end: i + hex[0].length, sawDigits: true };
  }
  const dec = DECIMAL.exec(rest);
  if (dec !== null) {
    const text = dec[0].length < rest.length || rest.length < 400 ? dec[0] : longDecimal(s, i);
    return { value: Number(text), end: i + text.length, sawDigits: true };
  }
  const special = SPECIAL.exec(rest);
  if (special !== null) {
    const v = special[2]!.toLowerCase().startsWith('inf') ? Infinity : NaN;
    return { value: special[1] === '-' ? -v : v, end: i + special[0].length, sawDigits: true };
  }
  return { value: 0, end: 0, sawDigits: false };
}

/** A decimal longer than the 400-byte window (a field of many digits). */
function longDecimal(s: string, i: number): string {
  return DECIMAL.exec(s.slice(i))![0];
}

export function toNumber(v: Value): number {
  if (typeof v === 'number') return v;
  if (v === undefined) return 0;
  if (typeof v === 'string') return strtod(v, 0).value;
  return v.value;
}

/** CONVFMT and OFMT are the program's own; their widths are bounded like printf's. */
const CONVERSION_WIDTH_LIMIT = 4096;

/** A number as a string: a whole number exactly, infinities and NaN as gawk prints them, else by the format. */
export function numberToString(n: number, fmt: string): string {
  if (Number.isInteger(n)) return n < 2 ** 53 && n > -(2 ** 53) ? String(n) : BigInt(n).toString();
  if (n !== n || n === Infinity || n === -Infinity) return nonFinite(n);
  return formatPrintf(fmt, [n], fmt, CONVERSION_WIDTH_LIMIT).text;
}

/** NaN and infinities the way gawk prints them with print: a sign always. */
export function nonFinite(n: number): string {
  if (n === Infinity) return '+inf';
  if (n === -Infinity) return '-inf';
  return signBit(n) ? '-nan' : '+nan';
}

export function signBit(n: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  return (view.getUint8(0) & 0x80) !== 0;
}

export function toStr(v: Value, convfmt: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v, convfmt);
  if (v === undefined) return '';
  return v.s;
}

export function truthy(v: Value): boolean {
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '';
  if (v === undefined) return false;
  return v.looksNumeric ? v.value !== 0 : v.s !== '';
}

/** Whether a value takes part in a comparison as a number (a number, a numeric-looking input, or uninitialised). */
function numericSide(v: Value): boolean {
  return typeof v === 'number' || v === undefined || (v instanceof Input && v.looksNumeric);
}

/** Compare two values by awk's rules: numerically when both sides are numeric, else as strings (bytes). */
export function compareValues(a: Value, b: Value, convfmt: string): number {
  if (numericSide(a) && numericSide(b)) {
    const x = toNumber(a);
    const y = toNumber(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : compareNaN(x, y);
  }
  const s = toStr(a, convfmt);
  const t = toStr(b, convfmt);
  return s < t ? -1 : s > t ? 1 : 0;
}

/** gawk orders NaN after every number (and equal to itself) in comparisons. */
function compareNaN(x: number, y: number): number {
  if (x !== x) return y !== y ? 0 : 1;
  return -1;
}

/** A comparison operator's result (1 or 0) for d, the sign of compareValues(a, b). */
export function compareResult(op: string, d: number): number {
  switch (op) {
    case '<': return d < 0 ? 1 : 0;
    case '<=': return d <= 0 ? 1 : 0;
    case '>': return d > 0 ? 1 : 0;
    case '>=': return d >= 0 ? 1 : 0;
    case '==': return d === 0 ? 1 : 0;
    default: return d !== 0 ? 1 : 0;
  }
}

/** x^y as gawk computes it: repeated squaring for whole exponents, pow() otherwise. */
export function gawkPower(x: number, y: number): number {
  if (!Number.isInteger(y) || Math.abs(y) > 2 ** 31) return Math.pow(x, y);
  if (y === 0) return 1;
  let n = Math.abs(y);
  let base = x;
  let mult = 1;
  while (n > 1) {
    if (n % 2 === 1) mult *= base;
    base *= base;
    n = Math.floor(n / 2);
  }
  const r = mult * base;
  return y > 0 ? r : 1 / r;
}

/** The bytes a value's string holds, counted against a task's memory (numbers count as none). */
export function valueBytes(v: Value): number {
  return typeof v === 'string' ? v.length : v instanceof Input ? v.s.length : 0;
}
