// What a builtin is: a name, and a prepare step that checks its arguments when the job is created
// (refusing what it does not support) and returns the function that runs it. A running tool reads
// its stdin as byte chunks and yields its stdout as byte chunks; its return value is its exit
// status. Tools yield to the host every few MB of work, so that a cancel gets through.
import { LineSplitter } from './bytes.js';
import type { ToolContext } from './context.js';

export type ToolRun = (stdin: AsyncIterable<Uint8Array>, ctx: ToolContext) => AsyncGenerator<Uint8Array, number, undefined>;

export interface Builtin {
  readonly name: string;
  /** Check the arguments (binary strings, the command's name left out); throws ExecRefusedError. */
  prepare(args: readonly string[]): ToolRun;
}

/** The input's chunks, counting their bytes as work and pausing when a slice is used up. */
export async function* chunks(stdin: AsyncIterable<Uint8Array>, ctx: ToolContext): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of stdin) {
    if (ctx.work(chunk.length)) await ctx.pause();
    yield chunk;
  }
}

/** The lines of one chunk; `lastUnterminated` marks a last line that had no newline (end of input). */
export interface LineBatch {
  lines: string[];
  lastUnterminated: boolean;
}

/** The input as batches of lines, one batch per chunk (plus the unterminated last line, if any). */
export async function* lineBatches(stdin: AsyncIterable<Uint8Array>, ctx: ToolContext): AsyncGenerator<LineBatch, void, undefined> {
  const splitter = new LineSplitter(ctx.limits.lineBytes);
  for await (const chunk of chunks(stdin, ctx)) {
    const lines = splitter.push(chunk);
    if (lines.length > 0) yield { lines, lastUnterminated: false };
  }
  const last = splitter.end();
  if (last !== undefined) yield { lines: [last], lastUnterminated: true };
}
