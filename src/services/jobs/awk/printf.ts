// printf and sprintf formats, as gawk --posix formats them in the C locale: %c %d %i %o %x %X %u
// %e %E %f %F %g %G %s %%, flags - + space # 0, widths and precisions (also *). Floating
// conversions are exact and round half to even (decimal.ts). A width or precision past the
// task's bound fails the task instead of building a huge string.
import { LimitExceededError, ToolFailure } from '../exec/errors.js';
import { expForm, fixedDigits, generalForm, integerDigits } from './decimal.js';
import { Input, signBit, toNumber, toStr, type Value } from './values.js';

const SPEC = /%([-+ #0]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?([a-zA-Z%])?/g;

/** Format args by fmt; widthLimit bounds every width and precision. */
export function formatPrintf(fmt: string, args: readonly Value[], convfmt: string, widthLimit: number): { text: string } {
  let out = '';
  let last = 0;
  let argi = 0;
  const next = (): Value => {
    if (argi >= args.length) throw new ToolFailure(2, `fatal: not enough arguments to satisfy format string ${JSON.stringify(fmt)}`);
    return args[argi++];
  };
  SPEC.lastIndex = 0;
  for (let m = SPEC.exec(fmt); m !== null; m = SPEC.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = SPEC.lastIndex;
    const conv = m[4];
    if (conv === undefined) {
      out += m[0];
      continue;
    }
    if (conv === '%') {
      out += '%';
      continue;
    }
    const flags = m[1]!;
    let width = m[2] === undefined ? 0 : m[2] === '*' ? Math.trunc(toNumber(next())) : Number(m[2]);
    let left = flags.includes('-');
    if (width < 0) {
      left = true;
      width = -width;
    }
    let precision = m[3] === undefined ? -1 : m[3] === '*' ? Math.trunc(toNumber(next())) : Number(m[3] || 0);
    if (precision < 0 && m[3] === '*') precision = -1;
    if (width > widthLimit || precision > widthLimit) throw new LimitExceededError('printf', `awk: a printf width or precision is larger than ${widthLimit}`);
    const spec: Spec = { flags, width, left, precision, conv };
    out += convert(spec, next(), convfmt);
    // Converting a number by CONVFMT formats again with the same (global) pattern: resume here.
    SPEC.lastIndex = last;
  }
  return { text: out + fmt.slice(last) };
}

interface Spec {
  flags: string;
  width: number;
  left: boolean;
  precision: number;
  conv: string;
}

function pad(body: string, spec: Spec, zeroable: boolean): string {
  if (body.length >= spec.width) return body;
  if (spec.left) return body.padEnd(spec.width);
  if (zeroable && spec.flags.includes('0')) {
    const signLength = /^[-+ ]/.test(body) ? 1 : /^0[xX]/.test(body) ? 2 : 0;
    return body.slice(0, signLength) + '0'.repeat(spec.width - body.length) + body.slice(signLength);
  }
  return body.padStart(spec.width);
}

function sign(negative: boolean, flags: string): string {
  return negative ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
}

function convert(spec: Spec, arg: Value, convfmt: string): string {
  const { conv, precision, flags } = spec;
  switch (conv) {
    case 'c': {
      const numeric = typeof arg === 'number' || (arg instanceof Input && arg.looksNumeric);
      // An empty string prints as a NUL byte, as in gawk (it prints the string's terminator).
      const body = numeric ? String.fromCharCode(Math.trunc(toNumber(arg)) & 255) : toStr(arg, convfmt).slice(0, 1) || '\0';
      return pad(body, spec, false);
    }
    case 's': {
      const s = toStr(arg, convfmt);
      return pad(precision >= 0 ? s.slice(0, precision) : s, spec, false);
    }
    case 'd':
    case 'i':
    case 'o':
    case 'x':
    case 'X':
    case 'u':
      return integer(spec, toNumber(arg));
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      return floating(spec, toNumber(arg));
    default:
      throw new ToolFailure(2, `fatal: \`${conv}' is not permitted in POSIX awk formats`);
  }
}

function integer(spec: Spec, v: number): string {
  const { conv, precision, flags } = spec;
  if (!Number.isFinite(v)) return floating({ ...spec, conv: 'f', precision: 0 }, v);
  const t = Math.trunc(v);
  const signed = conv === 'd' || conv === 'i';
  let digits: string;
  let negative = false;
  if (signed) {
    negative = t < 0;
    digits = integerDigits(t);
  } else {
    const n = t < 0 ? BigInt.asUintN(64, BigInt(t)) : BigInt(t);
    digits = n.toString(conv === 'o' ? 8 : conv === 'u' ? 10 : 16);
    if (conv === 'X') digits = digits.toUpperCase();
  }
  if (precision >= 0) digits = precision === 0 && t === 0 ? '' : digits.padStart(precision, '0');
  let prefix = signed ? sign(negative, flags) : '';
  if (flags.includes('#')) {
    if (conv === 'o' && !digits.startsWith('0')) digits = `0${digits}`;
    // gawk tests the value before truncation, so 0.5 prints as 0x0.
    if ((conv === 'x' || conv === 'X') && v !== 0) prefix = conv === 'x' ? '0x' : '0X';
  }
  return pad(prefix + digits, spec, precision < 0);
}

function floating(spec: Spec, v: number): string {
  const { conv, flags } = spec;
  const upper = conv === 'E' || conv === 'F' || conv === 'G';
  const negative = v < 0 || (v === 0 && 1 / v < 0) || (v !== v && signBit(v));
  if (!Number.isFinite(v)) {
    const word = v !== v ? 'nan' : 'inf';
    return pad(sign(negative, flags) + (upper ? word.toUpperCase() : word), spec, false);
  }
  const precision = spec.precision < 0 ? 6 : spec.precision;
  const alt = flags.includes('#');
  let body: string;
  if (conv === 'f' || conv === 'F') body = fixedDigits(v, precision) + (alt && precision === 0 ? '.' : '');
  else if (conv === 'e' || conv === 'E') body = expForm(v, precision, alt, upper);
  else body = generalForm(v, precision, alt, upper);
  return pad(sign(negative, flags) + body, spec, true);
}
