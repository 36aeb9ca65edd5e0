// Transfer progress on stderr, only when stderr is a terminal and the output is not --json: a pipe
// or a log file gets no bars, and stdout stays clean for the data itself.
import { SingleBar, Presets } from 'cli-progress';
import { Transform } from 'node:stream';
import type { Io } from './io.js';

export interface Progress {
  /** A pass-through stream that counts bytes into the bar. */
  counter(): Transform;
  /** Count bytes that went by some other way. */
  advance(bytes: number): void;
  stop(): void;
}

export function progressFor(io: Io, label: string, totalBytes: number | undefined, json: boolean): Progress {
  const bar = io.stderr.isTTY && !json
    ? new SingleBar({
      stream: io.stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% {value}/{total} bytes`,
      hideCursor: true,
    }, Presets.shades_classic)
    : undefined;
  bar?.start(totalBytes ?? 0, 0);
  let done = 0;
  const advance = (bytes: number): void => {
    done += bytes;
    if (bar && totalBytes === undefined) bar.setTotal(done);
    bar?.update(done);
  };
  return {
    counter: () => new Transform({
      transform(chunk: Buffer, _enc, cb) {
        advance(chunk.length);
        cb(null, chunk);
      },
    }),
    advance,
    stop: () => bar?.stop(),
  };
}
