// What runs inside a sandbox (a Node worker thread or a browser Web Worker), the same code in
// both: it locks the realm down with SES (every shared intrinsic frozen, the Function constructor
// tamed), then runs one task at a time for its host (protocol.ts).
// - A JS task's module is evaluated in a fresh SES Compartment whose global object holds only the
//   language's own intrinsics: no fetch, WebSocket, Worker, indexedDB, process, require, timers;
//   `import(` is refused at evaluation. Its only way out is the hardened `io` object it is given.
// - A WASM task's module is compiled with its memories' maximum set to the task's memory limit
//   (wasm-memory.ts), may import WASI functions only, and runs under @bjorn3/browser_wasi_shim
//   with stdin, stdout and stderr and nothing else: no preopened directory, no sockets.
// Compiled modules are cached by content hash (bounded), so the second task of a job compiles
// nothing. The host times tasks out and cancels them by ending the worker.
import 'ses';
import { Fd, File, OpenFile, WASI, WASIProcExit } from '@bjorn3/browser_wasi_shim';
import { OUT_CHUNK_BYTES, STDERR_SENT_BYTES, STDOUT_WINDOW_BYTES, type FromSandbox, type SandboxFailure, type ToSandbox } from '../../services/jobs/sandbox/protocol.js';
import { boundMemory, WASM_PAGE_BYTES } from '../../services/jobs/sandbox/wasm-memory.js';
import { runJsTask } from './js-task.js';
import { ModuleCache } from './module-cache.js';

export interface HostLink {
  post(m: FromSandbox, transfer?: ArrayBuffer[]): void;
  onMessage(f: (m: ToSandbox) => void): void;
}

type Run = Extract<ToSandbox, { t: 'run' }>;

/** A stop the sandbox decides itself: over a bound, or a module that cannot run. */
export class SandboxStop extends Error {
  constructor(readonly failure: SandboxFailure, message: string) {
    super(message);
  }
}

/** One task's link to its host: stdin pulled a chunk at a time, stdout and stderr gathered and sent. */
export class TaskIo {
  private stdin: { resolve: (c: Uint8Array | null) => void } | undefined;
  private stdinEnded = false;
  private outBuf: Uint8Array[] = [];
  private outBufBytes = 0;
  private unacked = 0;
  private ackWaiters: (() => void)[] = [];
  stdoutBytes = 0;
  stderrBytes = 0;
  private stderrSent = 0;
  over = false;
  /** A bound the task went past: it stands even if the module catches the error it was thrown. */
  stop: SandboxStop | undefined;

  constructor(private readonly link: HostLink, readonly run: Run) {}

  /** The next stdin chunk, or null at its end (and after the task is over). */
  pull(): Promise<Uint8Array | null> {
    if (this.stdinEnded || this.over) return Promise.resolve(null);
    this.link.post({ t: 'pull', task: this.run.task });
    return new Promise((resolve) => (this.stdin = { resolve }));
  }

  onStdin(chunk: Uint8Array | null): void {
    if (chunk === null) this.stdinEnded = true;
    const waiter = this.stdin;
    this.stdin = undefined;
    waiter?.resolve(chunk);
  }

  onAck(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.unacked < STDOUT_WINDOW_BYTES) for (const w of this.ackWaiters.splice(0)) w();
  }

  /** Gather stdout; past the task's output limit the task stops. */
  stdout(bytes: Uint8Array): void {
    if (this.over) throw new TypeError('the task wrote after it ended');
    if (this.stop !== undefined) throw this.stop;
    this.stdoutBytes += bytes.length;
    if (this.stdoutBytes > this.run.outputBytes) throw (this.stop = new SandboxStop('limit-output', `the task wrote more than its ${this.run.outputBytes} bytes of output`));
    this.outBuf.push(bytes.slice());
    this.outBufBytes += bytes.length;
    if (this.outBufBytes >= OUT_CHUNK_BYTES) this.flush();
  }

  /** Resolves once the host has taken all but a window of stdout (a JS task's backpressure). */
  drained(): Promise<void> {
    if (this.unacked < STDOUT_WINDOW_BYTES) return Promise.resolve();
    return new Promise((resolve) => this.ackWaiters.push(resolve));
  }

  /** Stderr: the first STDERR_SENT_BYTES are sent, the rest only counted. */
  stderr(bytes: Uint8Array): void {
    this.stderrBytes += bytes.length;
    const room = STDERR_SENT_BYTES - this.stderrSent;
    if (room <= 0) return;
    const part = bytes.slice(0, room);
    this.stderrSent += part.length;
    this.link.post({ t: 'out', task: this.run.task, fd: 2, chunk: part }, [part.buffer as ArrayBuffer]);
  }

  flush(): void {
    if (this.outBufBytes === 0) return;
    const chunk = new Uint8Array(this.outBufBytes);
    let at = 0;
    for (const b of this.outBuf) {
      chunk.set(b, at);
      at += b.length;
    }
    this.outBuf = [];
    this.unacked += this.outBufBytes;
    this.outBufBytes = 0;
    this.link.post({ t: 'out', task: this.run.task, fd: 1, chunk }, [chunk.buffer]);
  }
}

/** Compiled WASM modules and decoded JS sources a sandbox keeps, by content hash. */
const MAX_CACHED_MODULES = 32;
const MAX_CACHED_BYTES = 256 * 1024 * 1024;

export function serveSandbox(link: HostLink): void {
  lockdown({ errorTaming: 'unsafe', consoleTaming: 'unsafe' });
  const wasmCache = new ModuleCache<WebAssembly.Module>(MAX_CACHED_MODULES, MAX_CACHED_BYTES);
  const jsCache = new ModuleCache<string>(MAX_CACHED_MODULES, MAX_CACHED_BYTES);
  let current: TaskIo | undefined;
  link.onMessage((m) => {
    if (m.t === 'run') {
      const io = new TaskIo(link, m);
      current = io;
      void runTask(io, wasmCache, jsCache).then((end) => {
        io.over = true;
        if (current === io) current = undefined;
        link.post({ ...end, task: m.task, stderrBytes: io.stderrBytes });
      });
    } else if (current !== undefined && m.task === current.run.task) {
      if (m.t === 'stdin') current.onStdin(m.chunk);
      else current.onAck(m.bytes);
    }
  });
  link.post({ t: 'ready' });
}

type End = { t: 'exit'; code: number; cacheHit: boolean } | { t: 'failed'; failure: SandboxFailure; message: string; cacheHit: boolean };

async function runTask(io: TaskIo, wasmCache: ModuleCache<WebAssembly.Module>, jsCache: ModuleCache<string>): Promise<End> {
  const run = io.run;
  let cacheHit = false;
  try {
    let code: number;
    if (run.kind === 'js') {
      const key = run.hash;
      let source = jsCache.get(key);
      cacheHit = source !== undefined;
      if (source === undefined) jsCache.set(key, (source = new TextDecoder().decode(run.module)), run.module.length);
      code = await runJsTask(source, io);
    } else {
      const key = `${run.hash}:${Math.floor(run.memoryBytes / WASM_PAGE_BYTES)}`;
      let module = wasmCache.get(key);
      cacheHit = module !== undefined;
      if (module === undefined) wasmCache.set(key, (module = await compileWasm(run)), run.module.length);
      code = await runWasmTask(module, io);
    }
    if (io.stop !== undefined) throw io.stop;
    io.flush();
    return { t: 'exit', code, cacheHit };
  } catch (e) {
    if (e instanceof SandboxStop) {
      if (e.failure !== 'limit-output') io.flush();
      return { t: 'failed', failure: e.failure, message: e.message, cacheHit };
    }
    return { t: 'failed', failure: 'refused', message: `the sandbox failed: ${describe(e)}`, cacheHit };
  }
}

async function compileWasm(run: Run): Promise<WebAssembly.Module> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(boundMemory(run.module, run.memoryBytes) as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new SandboxStop('refused', `the module is not valid WebAssembly: ${describe(e)}`);
  }
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.module !== 'wasi_snapshot_preview1' || i.kind !== 'function') throw new SandboxStop('refused', `the module imports ${i.kind} ${i.module}.${i.name}: a task may import WASI functions only`);
  }
  const exports = WebAssembly.Module.exports(module);
  if (!exports.some((e) => e.name === '_start' && e.kind === 'function')) throw new SandboxStop('refused', 'the module has no _start function (build it as a WASI command)');
  if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) throw new SandboxStop('refused', 'the module exports no memory');
  return module;
}

/** Stdout or stderr as a WASI file descriptor: each write goes to the task's io. */
class OutFd extends Fd {
  constructor(private readonly write: (b: Uint8Array) => void) {
    super();
  }

  override fd_write(data: Uint8Array): { ret: number; nwritten: number } {
    this.write(data);
    return { ret: 0, nwritten: data.byteLength };
  }
}

async function runWasmTask(module: WebAssembly.Module, io: TaskIo): Promise<number> {
  const run = io.run;
  // WASI reads stdin synchronously: the task's input is taken whole first, within its memory limit.
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let c = await io.pull(); c !== null; c = await io.pull()) {
    total += c.length;
    if (total > run.memoryBytes) throw new SandboxStop('limit-memory', `the task's input is larger than its memory limit of ${run.memoryBytes} bytes`);
    parts.push(c);
  }
  const stdin = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    stdin.set(p, at);
    at += p.length;
  }
  const wasi = new WASI(run.argv, run.env.map(([k, v]) => `${k}=${v}`), [new OpenFile(new File(stdin, { readonly: true })), new OutFd((b) => io.stdout(b)), new OutFd((b) => io.stderr(b))]);
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport as unknown as WebAssembly.ModuleImports });
  const memory = instance.exports.memory as WebAssembly.Memory;
  try {
    return wasi.start(instance as unknown as Parameters<WASI['start']>[0]);
  } catch (e) {
    if (e instanceof SandboxStop) throw e;
    if (e instanceof WASIProcExit) return e.code;
    // A module whose allocation failed at its bound traps or aborts: its memory is then near its
    // maximum (within an eighth, or a MiB for a small one), and the bound is the reason.
    const nearMax = memory.buffer.byteLength >= run.memoryBytes - Math.max(1 << 20, run.memoryBytes / 8);
    if (nearMax) throw new SandboxStop('limit-memory', `the module used all the memory it may have (${memory.buffer.byteLength} of ${run.memoryBytes} bytes) and stopped: ${describe(e)}`);
    io.stderr(new TextEncoder().encode(`wasm trap: ${describe(e)}\n`));
    return 134;
  }
}

export function describe(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an error that cannot be shown';
  }
}
