// The messages between a sandbox executor (the host: the peer's thread) and a sandbox (a Node
// worker thread or a browser Web Worker running src/runtime/sandbox/inside.ts). A sandbox runs one
// task at a time. The host sends `run` with the module's bytes and content hash; the sandbox pulls
// stdin a chunk at a time, sends stdout and stderr as they are written (stdout waits for the
// host's acks past a window, which is its backpressure), and ends with `exit` or `failed`.
// Everything the host receives is checked (isFromSandbox): a sandbox runs untrusted code.

export type SandboxKind = 'js' | 'wasm';

/** Stdout bytes a sandbox may have sent and not had acknowledged; past it a JS task's write waits. */
export const STDOUT_WINDOW_BYTES = 1 << 20;
/** Stderr bytes a sandbox sends; it counts the rest. */
export const STDERR_SENT_BYTES = 4096;
/** Stdout and stderr writes are gathered into chunks of about this size before they are sent. */
export const OUT_CHUNK_BYTES = 64 * 1024;

export type ToSandbox =
  | {
      t: 'run';
      task: number;
      kind: SandboxKind;
      /** SHA-256 of the module's bytes, hex: the key of the sandbox's cache of compiled modules. */
      hash: string;
      module: Uint8Array;
      /** js: the exported function to call and its arguments; wasm: argv. */
      argv: string[];
      env: [string, string][];
      memoryBytes: number;
      outputBytes: number;
    }
  /** The next stdin chunk, or null at its end. */
  | { t: 'stdin'; task: number; chunk: Uint8Array | null }
  /** Stdout bytes the host has passed on. */
  | { t: 'ack'; task: number; bytes: number };

/** How a task the sandbox ended itself went wrong, as the executor reports it. */
export type SandboxFailure = 'limit-memory' | 'limit-output' | 'refused';

export type FromSandbox =
  | { t: 'ready' }
  | { t: 'pull'; task: number }
  | { t: 'out'; task: number; fd: 1 | 2; chunk: Uint8Array }
  /** The program ended on its own with this status; cacheHit says whether its compiled module was cached. */
  | { t: 'exit'; task: number; code: number; cacheHit: boolean; stderrBytes: number }
  /** The sandbox stopped the task: over a bound, or a module that cannot run (malformed, wrong imports, no entry). */
  | { t: 'failed'; task: number; failure: SandboxFailure; message: string; cacheHit: boolean; stderrBytes: number };

const FAILURES: ReadonlySet<string> = new Set(['limit-memory', 'limit-output', 'refused']);

/** A message from a sandbox, checked field by field; anything else is a sandbox gone wrong. */
export function isFromSandbox(m: unknown): m is FromSandbox {
  if (typeof m !== 'object' || m === null) return false;
  const v = m as Record<string, unknown>;
  const task = typeof v.task === 'number' && Number.isSafeInteger(v.task);
  switch (v.t) {
    case 'ready':
      return true;
    case 'pull':
      return task;
    case 'out':
      return task && (v.fd === 1 || v.fd === 2) && v.chunk instanceof Uint8Array;
    case 'exit':
      return task && typeof v.code === 'number' && Number.isInteger(v.code) && typeof v.cacheHit === 'boolean' && counted(v.stderrBytes);
    case 'failed':
      return task && typeof v.failure === 'string' && FAILURES.has(v.failure) && typeof v.message === 'string' && typeof v.cacheHit === 'boolean' && counted(v.stderrBytes);
    default:
      return false;
  }
}

function counted(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A sandbox as the host sees it: a worker it can message and end. */
export interface SandboxChannel {
  post(m: ToSandbox, transfer?: ArrayBuffer[]): void;
  /** Every message the sandbox sends (unchecked), and its end: `oom` when it ran out of heap, `crash` otherwise. */
  onMessage(f: (m: unknown) => void): void;
  onExit(f: (reason: 'oom' | 'crash', message: string) => void): void;
  /** End the worker at once, whatever it is doing. */
  terminate(): void;
}

/** How the host makes sandboxes: a Node worker thread with heap limits, or a Web Worker. */
export interface SandboxFactory {
  /** A new sandbox whose heap (where the platform can limit it) is at most heapBytes. */
  spawn(heapBytes: number): SandboxChannel;
  /** What this platform cannot limit, for the docs and the task's stderr: '' when it limits everything. */
  readonly unlimited: string;
}
