// A pipe between two stages: a bounded queue of byte chunks. The writer waits while the pipe
// holds PIPE_BUFFER_BYTES or more (backpressure), the reader waits while it is empty. When the
// reader stops early (head has what it needs), write() answers false and the writer stops its
// own stage, which is how SIGPIPE ends an upstream process. A stop of the task wakes both sides
// with its reason.

/** One side of the pipe waiting for the other. */
type Waiter = { resolve: () => void; reject: (e: Error) => void };

export class Pipe {
  private readonly queue: Uint8Array[] = [];
  private head = 0;
  private queuedBytes = 0;
  private ended = false;
  private readerGone = false;
  private failure: Error | undefined;
  private reader: Waiter | undefined;
  private writer: Waiter | undefined;

  constructor(private readonly capacityBytes: number) {}

  /** Queue a chunk; waits while the pipe is full. False when the reader has gone (stop writing). */
  async write(chunk: Uint8Array): Promise<boolean> {
    while (!this.readerGone && this.failure === undefined && this.queuedBytes >= this.capacityBytes) {
      await new Promise<void>((resolve, reject) => (this.writer = { resolve, reject }));
    }
    if (this.failure !== undefined) throw this.failure;
    if (this.readerGone) return false;
    if (chunk.length === 0) return true;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.wake('reader');
    return true;
  }

  /** No more chunks: the reader sees the end once it has read what is queued. */
  end(): void {
    this.ended = true;
    this.wake('reader');
  }

  /** Wake both sides with an error (the task stopped). */
  fail(e: Error): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.reader?.reject(e);
    this.writer?.reject(e);
    this.reader = this.writer = undefined;
  }

  /** The reading side, as an async iterable that closes the pipe when the reader stops early. */
  readable(): AsyncIterable<Uint8Array> {
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      for (;;) {
        if (this.failure !== undefined) throw this.failure;
        if (this.head < this.queue.length) {
          const chunk = this.queue[this.head]!;
          this.queue[this.head++] = EMPTY;
          if (this.head > 64 && this.head * 2 > this.queue.length) this.compact();
          this.queuedBytes -= chunk.length;
          this.wake('writer');
          return { done: false, value: chunk };
        }
        if (this.ended || this.readerGone) return { done: true, value: undefined };
        await new Promise<void>((resolve, reject) => (this.reader = { resolve, reject }));
      }
    };
    const close = async (): Promise<IteratorResult<Uint8Array>> => {
      this.readerGone = true;
      this.queue.length = this.head = this.queuedBytes = 0;
      this.wake('writer');
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<Uint8Array> = { next, return: close, [Symbol.asyncIterator]: () => iterator };
    return iterator;
  }

  private compact(): void {
    this.queue.splice(0, this.head);
    this.head = 0;
  }

  private wake(side: 'reader' | 'writer'): void {
    const w = side === 'reader' ? this.reader : this.writer;
    if (w === undefined) return;
    if (side === 'reader') this.reader = undefined;
    else this.writer = undefined;
    w.resolve();
  }
}

const EMPTY = new Uint8Array(0);
