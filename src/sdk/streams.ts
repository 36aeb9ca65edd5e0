// Small stream helpers that work in Node 20 and in browsers (no node: imports): the SDK accepts
// bytes, web streams and async iterables as upload bodies, and reads JSON-lines listings.

export type Body = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** A web ReadableStream over an async iterable, pulling one chunk per read (so backpressure holds). */
export function iterableToStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const { done, value } = await it.next();
      if (done) ctrl.close();
      else ctrl.enqueue(value);
    },
    async cancel(reason) {
      await it.return?.(reason);
    },
  });
}

/** Longest line accepted in a JSON-lines answer; a longer one means the answer is not a listing. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Parse a JSON-lines body (one object per line) into values. */
export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.length > MAX_LINE_CHARS) throw new Error(`listing line longer than ${MAX_LINE_CHARS} characters`);
    out.push(JSON.parse(line) as T);
  }
  return out;
}
