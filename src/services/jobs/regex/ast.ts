// The parsed form of a regular expression, shared by the three dialects (GNU BRE as grep and sed
// read it, GNU ERE, and awk's POSIX ERE). Characters are bytes (the C locale).

export type AssertKind =
  /** At the start of the string (^, \`). */
  | 'bol'
  /** At the end of the string ($, \'). */
  | 'eol'
  /** \b and \B: between a word byte and a non-word byte (or not). */
  | 'wordb'
  | 'nwordb'
  /** \< and \>: the start and the end of a word. */
  | 'wbeg'
  | 'wend'
  /** grep -w: no word byte just before, or just after. */
  | 'nwbefore'
  | 'nwafter';

export type Node =
  | { t: 'char'; c: number }
  | { t: 'set'; bits: Uint8Array }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; min: number; max: number; item: Node }
  | { t: 'group'; index: number; item: Node }
  | { t: 'assert'; kind: AssertKind }
  | { t: 'empty' };

/** The most a {m,n} interval may say, as GNU's RE_DUP_MAX. */
export const DUP_MAX = 32767;

export const cat = (items: Node[]): Node => (items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items });
export const alt = (items: Node[]): Node => (items.length === 1 ? items[0]! : { t: 'alt', items });

/** A set of bytes as a 256-entry membership table. */
export function setOf(bytes: Iterable<number>): Uint8Array {
  const bits = new Uint8Array(256);
  for (const b of bytes) bits[b] = 1;
  return bits;
}

/** The longest run of literal bytes every match must contain ('' when there is none to rely on). */
export function requiredLiteral(node: Node): string {
  const items = node.t === 'cat' ? node.items : [node];
  let best = '';
  let run = '';
  for (const item of items) {
    const inner = item.t === 'group' ? item.item : item;
    if (inner.t === 'char') {
      run += String.fromCharCode(inner.c);
      continue;
    }
    if (run.length > best.length) best = run;
    run = '';
    if (inner.t === 'cat' || (item.t === 'rep' && item.min >= 1)) {
      const sub = requiredLiteral(item.t === 'rep' ? item.item : inner);
      if (sub.length > best.length) best = sub;
    }
  }
  return run.length > best.length ? run : best;
}
