// tr's SET operands: escapes (\n, \t, \\, \NNN octal…), ranges (a-z, in byte order), classes
// ([:alpha:]…), equivalence classes ([=c=], the byte itself in the C locale) and, in SET2,
// repeats ([c*n], and [c*] to fill SET2 to SET1's length). Errors match GNU tr's rules and are
// refusals: they are known when the job is created.
import { classBytes, isClassName, type ClassName } from '../exec/ctype.js';
import { ExecRefusedError } from '../exec/errors.js';

/** One element of a parsed set, before expansion. */
type Element =
  | { t: 'bytes'; bytes: number[] }
  | { t: 'class'; name: ClassName }
  | { t: 'repeat'; byte: number; count: number | 'fill' };

const ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** The elements of a set as written. */
export function parseSet(text: string, isSet2: boolean): Element[] {
  const out: Element[] = [];
  let i = 0;
  const readChar = (): number => {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      i++;
      return c.charCodeAt(0);
    }
    const next = text[i + 1]!;
    if (/[0-7]/.test(next)) {
      let j = i + 1;
      let v = 0;
      while (j < text.length && j < i + 4 && /[0-7]/.test(text[j]!) && v * 8 + Number(text[j]) <= 255) v = v * 8 + Number(text[j++]);
      i = j;
      return v;
    }
    i += 2;
    return ESCAPES[next] ?? next.charCodeAt(0);
  };
  while (i < text.length) {
    if (text[i] === '[') {
      const bracket = bracketElement(text, i, isSet2);
      if (bracket !== undefined) {
        out.push(bracket.element);
        i = bracket.end;
        continue;
      }
    }
    const start = i;
    const c = readChar();
    if (text[i] === '-' && i + 1 < text.length) {
      i++;
      const d = readChar();
      if (d < c) throw new ExecRefusedError(text.slice(start, i), `tr: range-endpoints of '${text.slice(start, i)}' are in reverse collating sequence order`);
      const bytes: number[] = [];
      for (let b = c; b <= d; b++) bytes.push(b);
      out.push({ t: 'bytes', bytes });
    } else {
      out.push({ t: 'bytes', bytes: [c] });
    }
  }
  return out;
}

/** [:class:], [=c=], [c*n] or [c*] at text[i], or undefined when the [ is a literal. */
function bracketElement(text: string, i: number, isSet2: boolean): { element: Element; end: number } | undefined {
  const cls = /^\[:([a-z]+):\]/.exec(text.slice(i));
  if (cls !== null) {
    if (!isClassName(cls[1]!)) throw new ExecRefusedError(cls[0], `tr: invalid character class '${cls[1]}'`);
    return { element: { t: 'class', name: cls[1] }, end: i + cls[0].length };
  }
  const eq = /^\[=(.)=\]/s.exec(text.slice(i));
  if (eq !== null) return { element: { t: 'bytes', bytes: [eq[1]!.charCodeAt(0)] }, end: i + eq[0].length };
  const rep = /^\[(\\[0-7]{1,3}|\\.|[^\\])\*([0-9]*)\]/s.exec(text.slice(i));
  if (rep === null) return undefined;
  if (!isSet2) throw new ExecRefusedError(rep[0], 'tr: the [c*] repeat construct may not appear in string1');
  const byte = parseSet(rep[1]!, false)[0] as { t: 'bytes'; bytes: number[] };
  const digits = rep[2]!;
  const count = digits === '' ? 'fill' : Number.parseInt(digits, digits.startsWith('0') ? 8 : 10);
  if (Number.isNaN(count) || (digits.startsWith('0') && /[89]/.test(digits))) throw new ExecRefusedError(rep[0], `tr: invalid repeat count '${digits}' in [c*n] construct`);
  return { element: { t: 'repeat', byte: byte.bytes[0]!, count: count === 0 ? 'fill' : count }, end: i + rep[0].length };
}

/** SET1's bytes in order. */
export function expandSet1(elements: Element[]): number[] {
  const out: number[] = [];
  for (const e of elements) {
    if (e.t === 'bytes') out.push(...e.bytes);
    else if (e.t === 'class') out.push(...classBytes(e.name));
  }
  return out;
}

/**
 * SET2's bytes, as long as SET1 (extended with its last byte, or filled by its [c*]) when
 * translating. Classes in SET2 may only be [:upper:] or [:lower:] facing the other in SET1.
 */
export function expandSet2(set1: Element[], set2: Element[], length1: number, translating: boolean): number[] {
  if (translating) checkClasses(set1, set2);
  const fixed = set2.reduce((n, e) => n + (e.t === 'bytes' ? e.bytes.length : e.t === 'class' ? classBytes(e.name).length : e.count === 'fill' ? 0 : e.count), 0);
  const out: number[] = [];
  for (const e of set2) {
    if (e.t === 'bytes') out.push(...e.bytes);
    else if (e.t === 'class') out.push(...classBytes(e.name));
    else {
      const n = e.count === 'fill' ? Math.max(0, length1 - fixed) : Math.min(e.count, Math.max(length1, 256));
      for (let k = 0; k < n; k++) out.push(e.byte);
    }
  }
  return out;
}

function checkClasses(set1: Element[], set2: Element[]): void {
  let pos1 = 0;
  const classAt = new Map<number, ClassName>();
  for (const e of set1) {
    if (e.t === 'class') classAt.set(pos1, e.name);
    pos1 += e.t === 'bytes' ? e.bytes.length : e.t === 'class' ? classBytes(e.name).length : 0;
  }
  let pos2 = 0;
  for (const e of set2) {
    if (e.t === 'class') {
      if (e.name !== 'upper' && e.name !== 'lower') throw new ExecRefusedError(`[:${e.name}:]`, "tr: when translating, the only character classes that may appear in string2 are 'upper' and 'lower'");
      const facing = classAt.get(pos2);
      if (facing !== 'upper' && facing !== 'lower') throw new ExecRefusedError(`[:${e.name}:]`, 'tr: misaligned [:upper:] and/or [:lower:] construct');
    }
    pos2 += e.t === 'bytes' ? e.bytes.length : e.t === 'class' ? classBytes(e.name).length : e.count === 'fill' ? 0 : e.count;
  }
}
