// A regular expression's AST compiled to a small instruction program (Thompson's construction,
// as in Pike's VM and RE2): byte tests, splits with a preferred branch, jumps, capture saves and
// zero-width assertions. Intervals are expanded, so the program's size is bounded; a pattern
// whose program would pass the bound is refused.
import type { AssertKind, Node } from './ast.js';

export const OP_CHAR = 0;
export const OP_SET = 1;
export const OP_SPLIT = 2;
export const OP_JMP = 3;
export const OP_SAVE = 4;
export const OP_ASSERT = 5;
export const OP_MATCH = 6;

export const ASSERT_KINDS: readonly AssertKind[] = ['bol', 'eol', 'wordb', 'nwordb', 'wbeg', 'wend', 'nwbefore', 'nwafter'];

export interface Program {
  readonly op: Int32Array;
  /** CHAR: the byte; SET: the set's index; SPLIT: the preferred target; JMP: the target; SAVE: the slot; ASSERT: the kind's index. */
  readonly a: Int32Array;
  /** SPLIT: the other target. */
  readonly b: Int32Array;
  readonly sets: readonly Uint8Array[];
  /** Capture groups (slots are 2 per group, group 0 being the whole match, which the VM tracks itself). */
  readonly groups: number;
  /** Bytes that can begin a match, or undefined when a match may be empty or begin with an assertion. */
  readonly first: Uint8Array | undefined;
}

export class ProgramTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the regular expression compiles to more than ${limit} instructions`);
  }
}

class Builder {
  op: number[] = [];
  a: number[] = [];
  b: number[] = [];
  sets: Uint8Array[] = [];

  constructor(private readonly limit: number) {}

  emit(op: number, a = 0, b = 0): number {
    if (this.op.length >= this.limit) throw new ProgramTooLargeError(this.limit);
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    return this.op.length - 1;
  }

  get pc(): number {
    return this.op.length;
  }

  node(n: Node): void {
    switch (n.t) {
      case 'char':
        this.emit(OP_CHAR, n.c);
        return;
      case 'set':
        this.sets.push(n.bits);
        this.emit(OP_SET, this.sets.length - 1);
        return;
      case 'cat':
        for (const item of n.items) this.node(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let i = 0; i < n.items.length; i++) {
          if (i === n.items.length - 1) {
            this.node(n.items[i]!);
            break;
          }
          const split = this.emit(OP_SPLIT);
          this.a[split] = this.pc;
          this.node(n.items[i]!);
          jumps.push(this.emit(OP_JMP));
          this.b[split] = this.pc;
        }
        for (const j of jumps) this.a[j] = this.pc;
        return;
      }
      case 'group':
        this.emit(OP_SAVE, 2 * n.index);
        this.node(n.item);
        this.emit(OP_SAVE, 2 * n.index + 1);
        return;
      case 'assert':
        this.emit(OP_ASSERT, ASSERT_KINDS.indexOf(n.kind));
        return;
      case 'empty':
        return;
      case 'rep':
        this.rep(n.item, n.min, n.max);
        return;
    }
  }

  private rep(item: Node, min: number, max: number): void {
    for (let k = 0; k < min; k++) this.node(item);
    if (max === Infinity) {
      const loop = this.emit(OP_SPLIT);
      this.a[loop] = this.pc;
      this.node(item);
      this.emit(OP_JMP, loop);
      this.b[loop] = this.pc;
      return;
    }
    const splits: number[] = [];
    for (let k = min; k < max; k++) {
      const split = this.emit(OP_SPLIT);
      this.a[split] = this.pc;
      splits.push(split);
      this.node(item);
    }
    for (const s of splits) this.b[s] = this.pc;
  }
}

export function compile(node: Node, groups: number, limit: number): Program {
  const b = new Builder(limit);
  b.node(node);
  b.emit(OP_MATCH);
  return {
    op: Int32Array.from(b.op),
    a: Int32Array.from(b.a),
    b: Int32Array.from(b.b),
    sets: b.sets,
    groups,
    first: firstBytes(b),
  };
}

/** The bytes that can begin a match, following splits, jumps and saves from the start. */
function firstBytes(p: Builder): Uint8Array | undefined {
  const out = new Uint8Array(256);
  const seen = new Set<number>();
  const stack = [0];
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (seen.has(pc)) continue;
    seen.add(pc);
    const op = p.op[pc];
    if (op === OP_CHAR) out[p.a[pc]!] = 1;
    else if (op === OP_SET) {
      const set = p.sets[p.a[pc]!]!;
      for (let c = 0; c < 256; c++) if (set[c]) out[c] = 1;
    } else if (op === OP_SPLIT) stack.push(p.a[pc]!, p.b[pc]!);
    else if (op === OP_JMP) stack.push(p.a[pc]!);
    else if (op === OP_SAVE) stack.push(pc + 1);
    else return undefined;
  }
  return out;
}
