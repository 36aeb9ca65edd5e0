// Character classes of the C locale, by byte: what [:alpha:], isspace() and friends mean when
// LC_ALL=C. Bytes 0x80–0xFF belong to no class.

export type ClassName = 'alpha' | 'digit' | 'alnum' | 'upper' | 'lower' | 'space' | 'blank' | 'punct' | 'print' | 'graph' | 'cntrl' | 'xdigit';

export const CLASS_NAMES: readonly ClassName[] = ['alpha', 'digit', 'alnum', 'upper', 'lower', 'space', 'blank', 'punct', 'print', 'graph', 'cntrl', 'xdigit'];

export function isClassName(s: string): s is ClassName {
  return (CLASS_NAMES as readonly string[]).includes(s);
}

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;

/** Whether byte c belongs to the class. */
export function inClass(name: ClassName, c: number): boolean {
  switch (name) {
    case 'alpha': return isUpper(c) || isLower(c);
    case 'digit': return isDigit(c);
    case 'alnum': return isUpper(c) || isLower(c) || isDigit(c);
    case 'upper': return isUpper(c);
    case 'lower': return isLower(c);
    case 'space': return c === 32 || (c >= 9 && c <= 13);
    case 'blank': return c === 32 || c === 9;
    case 'punct': return c > 32 && c < 127 && !isUpper(c) && !isLower(c) && !isDigit(c);
    case 'print': return c >= 32 && c < 127;
    case 'graph': return c > 32 && c < 127;
    case 'cntrl': return c < 32 || c === 127;
    case 'xdigit': return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  }
}

/** The bytes of a class in ascending order. */
export function classBytes(name: ClassName): number[] {
  const out: number[] = [];
  for (let c = 0; c < 256; c++) if (inClass(name, c)) out.push(c);
  return out;
}

/** A word character for \b, \<, \w and grep -w: a letter, a digit or an underscore. */
export function isWordByte(c: number): boolean {
  return isUpper(c) || isLower(c) || isDigit(c) || c === 95;
}

export function isSpaceByte(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** ASCII case folding, the only case the C locale knows. */
export function toLowerByte(c: number): number {
  return isUpper(c) ? c + 32 : c;
}

export function toUpperByte(c: number): number {
  return isLower(c) ? c - 32 : c;
}

export function lowerBinary(s: string): string {
  // Only ASCII letters change; String.prototype.toLowerCase would also change bytes 0xC0–0xDE.
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

export function upperBinary(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}
