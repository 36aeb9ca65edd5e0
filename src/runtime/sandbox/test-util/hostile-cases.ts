// The hostile-code suite's cases, shared by the Node suite (worker threads) and the Chromium one
// (Web Workers in a tab): each is a task module, its exec and limits, and what its end must be. After
// every case the same sandbox slot runs a normal task, which must give its normal output.
import { compileAssemblyScript, exampleSource } from '../../../bench/wasm-build.js';
import type { TaskLimits, TaskOutcome } from '../../../services/jobs/executor.js';
import type { CaseResult } from '../../../services/jobs/sandbox/run-once.js';

export interface HostileCase {
  name: string;
  kind: 'js' | 'wasm';
  /** JS source, or for wasm: a mode of examples/jobs/hostile.as.ts, or 'malformed', or 'foreign-import'. */
  module: string;
  exec: string;
  limits?: Partial<TaskLimits>;
  /** Bytes of stdin (the input is 'x' repeated). */
  stdinBytes?: number;
  outcome: TaskOutcome;
  exitCode?: number;
  /** Text the stdout must hold, or stderr (with the message) must match. */
  stdout?: string;
  stderr?: RegExp;
}


export const BASE_LIMITS: TaskLimits = { timeoutMs: 10_000, memoryBytes: 64 * 1024 * 1024, outputBytes: 1024 * 1024 };

/** Globals a task must not see (each named as `typeof` sees it): the network, storage, workers, the host. */
export const FORBIDDEN = [
  'fetch', 'XMLHttpRequest', 'WebSocket', 'RTCPeerConnection', 'EventSource', 'Worker', 'SharedWorker', 'importScripts',
  'indexedDB', 'localStorage', 'sessionStorage', 'caches', 'document', 'navigator', 'self', 'postMessage', 'close',
  'process', 'require', 'module', 'Buffer', 'setTimeout', 'setInterval', 'queueMicrotask', 'crypto', 'cumulus',
];

const js = (body: string) => `exports.map = async function (io) {\n${body}\n};`;

export const JS_CASES: HostileCase[] = [
  { name: 'an endless loop is stopped at its timeout', kind: 'js', module: js('for (;;) {}'), exec: 'map', limits: { timeoutMs: 1000 }, outcome: 'timeout' },
  { name: 'an endless chain of microtasks left behind holds its own task, not the next', kind: 'js', module: js('(async () => { for (;;) await null; })(); return 0;'), exec: 'map', limits: { timeoutMs: 1000 }, outcome: 'timeout' },
  { name: 'a Worker bomb finds no Worker', kind: 'js', module: js('for (let i = 0; i < 1000; i++) new Worker("data:,for(;;){}");'), exec: 'map', outcome: 'exited', exitCode: 1, stderr: /Worker is not (defined|a constructor)/ },
  { name: 'an output flood stops at the output limit', kind: 'js', module: js('const s = "x".repeat(65536); for (;;) await io.write(s);'), exec: 'map', outcome: 'limit', stderr: /more than its 1048576 bytes of output/ },
  { name: 'an output flood that catches the error still fails', kind: 'js', module: js('const s = "x".repeat(65536); try { for (;;) await io.write(s); } catch (e) {} return 0;'), exec: 'map', outcome: 'limit' },
  { name: 'no forbidden global is reachable', kind: 'js', module: js(`await io.write(JSON.stringify(${JSON.stringify(FORBIDDEN)}.filter((n) => typeof globalThis[n] !== 'undefined')));`), exec: 'map', outcome: 'exited', exitCode: 0, stdout: '[]' },
  { name: 'dynamic import is refused when the module loads', kind: 'js', module: js('await import("node:fs");'), exec: 'map', outcome: 'exited', exitCode: 126, stderr: /import expression rejected/ },
  { name: 'an import hidden in eval is refused', kind: 'js', module: js('const i = "imp" + "ort"; await (0, eval)(i + "(\'node:fs\')");'), exec: 'map', outcome: 'exited', exitCode: 1, stderr: /import expression rejected/ },
  { name: 'the Function constructor does not lead out', kind: 'js', module: js('return io.write.constructor("return process")();'), exec: 'map', outcome: 'exited', exitCode: 1, stderr: /not a valid constructor/ },
  { name: 'an async function\'s constructor does not lead out', kind: 'js', module: js('return (async function () {}).constructor("return process")();'), exec: 'map', outcome: 'exited', exitCode: 1, stderr: /not a valid constructor/ },
  { name: 'the global eval sees only the compartment, and new Function code runs strict', kind: 'js', module: js('await io.write(String(typeof (0, eval)("this").process) + " " + String(typeof Function("return this")()));'), exec: 'map', outcome: 'exited', exitCode: 0, stdout: 'undefined undefined' },
  { name: 'shared prototypes cannot be tampered with', kind: 'js', module: js('Array.prototype.push = function () { return 0; };'), exec: 'map', outcome: 'exited', exitCode: 1, stderr: /read only property 'push'/ },
  { name: 'Object.prototype cannot be polluted', kind: 'js', module: js('Object.prototype.polluted = 1;'), exec: 'map', outcome: 'exited', exitCode: 1, stderr: /not extensible|read only|Cannot add property/ },
  { name: 'a shared intrinsic cannot carry data to another task', kind: 'js', module: js('Math.secret = "job A";'), exec: 'map', outcome: 'exited', exitCode: 1, stderr: /not extensible|Cannot add property/ },
  { name: 'a task\'s globals are its own (leaves one behind)', kind: 'js', module: js('globalThis.secret = "job A"; await io.write("set");'), exec: 'map', outcome: 'exited', exitCode: 0, stdout: 'set' },
  { name: '…which the next task does not see', kind: 'js', module: js('await io.write(String(typeof globalThis.secret) + " " + String(typeof [].polluted));'), exec: 'map', outcome: 'exited', exitCode: 0, stdout: 'undefined undefined' },
  { name: 'a module that never reads its stdin ends normally', kind: 'js', module: js('await io.write("ok\\n");'), exec: 'map', stdinBytes: 4 * 1024 * 1024, outcome: 'exited', exitCode: 0, stdout: 'ok\n' },
  { name: 'a module with a syntax error cannot execute', kind: 'js', module: 'exports.map = async function (io) {', exec: 'map', outcome: 'exited', exitCode: 126, stderr: /failed to load/ },
  { name: 'a module without the named export cannot execute', kind: 'js', module: js('return 0;'), exec: 'reduce', outcome: 'exited', exitCode: 126, stderr: /no function named "reduce"/ },
  { name: 'a returned status is the exit code', kind: 'js', module: js('return 3;'), exec: 'map', outcome: 'exited', exitCode: 3 },
];

/** The memory bomb: where the platform bounds a sandbox's heap (Node), the task fails on its limit. */
export const JS_MEMORY_BOMB: HostileCase = { name: 'a memory bomb stops at the heap limit', kind: 'js', module: js('const a = []; for (;;) a.push({ n: a.length, s: "x" + a.length });'), exec: 'map', outcome: 'limit', stderr: /heap/ };

export const WASM_CASES: HostileCase[] = [
  { name: 'an endless loop is stopped at its timeout', kind: 'wasm', module: 'loop', exec: 'hostile loop', limits: { timeoutMs: 1000 }, outcome: 'timeout' },
  { name: 'a memory bomb stops at the memory limit', kind: 'wasm', module: 'grow', exec: 'hostile grow', limits: { memoryBytes: 16 * 1024 * 1024 }, outcome: 'limit', stderr: /all the memory it may have/ },
  { name: 'an output flood stops at the output limit', kind: 'wasm', module: 'flood', exec: 'hostile flood', outcome: 'limit', stderr: /more than its 1048576 bytes of output/ },
  { name: 'no directory is open to it: path_open and fd_prestat_get answer EBADF', kind: 'wasm', module: 'open', exec: 'hostile open', outcome: 'exited', exitCode: 0, stdout: 'path_open 8 fd_prestat_get 8\n' },
  { name: 'sockets are refused', kind: 'wasm', module: 'sock', exec: 'hostile sock', outcome: 'exited', exitCode: 134, stderr: /sockets not supported/ },
  { name: 'a module that never reads its stdin ends normally', kind: 'wasm', module: 'nostdin', exec: 'hostile nostdin', stdinBytes: 4 * 1024 * 1024, outcome: 'exited', exitCode: 0, stdout: 'ok\n' },
  { name: 'a trap is the task\'s failure', kind: 'wasm', module: 'trap', exec: 'hostile trap', outcome: 'exited', exitCode: 134, stderr: /wasm trap/ },
  { name: 'a malformed module cannot execute', kind: 'wasm', module: 'malformed', exec: 'x', outcome: 'exited', exitCode: 126, stderr: /not valid WebAssembly/ },
  { name: 'a module importing anything but WASI cannot execute', kind: 'wasm', module: 'foreign-import', exec: 'x', outcome: 'exited', exitCode: 126, stderr: /imports function env\.fetch/ },
];

/** (module (import "env" "fetch" (func))) — a module that asks for a host function a task may not have. */
const FOREIGN_IMPORT = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 13, 1, 3, 0x65, 0x6e, 0x76, 5, 0x66, 0x65, 0x74, 0x63, 0x68, 0, 0]);

let hostileWasm: Promise<Uint8Array> | undefined;

/** The bytes of a case's module. */
export async function moduleBytes(c: HostileCase): Promise<Uint8Array> {
  if (c.kind === 'js') return new TextEncoder().encode(c.module);
  if (c.module === 'malformed') return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff, 0xff]);
  if (c.module === 'foreign-import') return FOREIGN_IMPORT;
  hostileWasm ??= compileAssemblyScript(exampleSource('hostile.as.ts'));
  return hostileWasm;
}

/** Check a case's result against what it must be; returns what is wrong, or '' when all is right. */
export function mismatch(c: HostileCase, r: CaseResult): string {
  const wrong: string[] = [];
  if (r.outcome !== c.outcome) wrong.push(`outcome ${r.outcome}, not ${c.outcome}`);
  if (c.exitCode !== undefined && r.exitCode !== c.exitCode) wrong.push(`exit code ${r.exitCode}, not ${c.exitCode}`);
  if (c.stdout !== undefined && r.stdout !== c.stdout) wrong.push(`stdout ${JSON.stringify(r.stdout.slice(0, 200))}`);
  if (c.stderr !== undefined && !c.stderr.test(`${r.stderr}\n${r.message}`)) wrong.push(`stderr ${JSON.stringify(r.stderr.slice(0, 300))} and message ${JSON.stringify(r.message)} miss ${c.stderr}`);
  return wrong.length === 0 ? '' : `${c.name}: ${wrong.join('; ')}`;
}
