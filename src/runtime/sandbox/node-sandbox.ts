// Sandboxes for a Node peer: each a worker thread (node-worker.ts) whose V8 heap is bounded by
// its resource limits, with an empty environment and its console output dropped. A worker that
// runs out of heap dies alone (ERR_WORKER_OUT_OF_MEMORY) and the peer carries on.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SandboxChannel, SandboxFactory } from '../../services/jobs/sandbox/protocol.js';

/** Heap a sandbox gets at least, in MiB: SES and the WASI shim need a little of their own. */
const MIN_HEAP_MB = 32;
/** The young generation's size, in MiB (V8's default for small heaps; it counts toward nothing else). */
const YOUNG_HEAP_MB = 16;
/** Stack of a sandbox thread, in MiB: a deep recursion ends as a RangeError in the task. */
const STACK_MB = 4;

/** The compiled entry: next to this file in dist/, or dist/ from the sources when tests run them. */
function entry(): URL {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'node-worker.js');
  if (existsSync(beside)) return new URL(`file://${beside}`);
  return new URL(`file://${join(here, '..', '..', '..', 'dist', 'runtime', 'sandbox', 'node-worker.js')}`);
}

export const nodeSandboxes: SandboxFactory = {
  unlimited: '',
  spawn(heapBytes: number): SandboxChannel {
    const worker = new Worker(entry(), {
      resourceLimits: { maxOldGenerationSizeMb: Math.max(MIN_HEAP_MB, Math.floor(heapBytes / (1 << 20))), maxYoungGenerationSizeMb: YOUNG_HEAP_MB, stackSizeMb: STACK_MB },
      env: {},
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let ended = false;
    let onExit: (reason: 'oom' | 'crash', message: string) => void = () => undefined;
    const exit = (reason: 'oom' | 'crash', message: string) => {
      if (ended) return;
      ended = true;
      onExit(reason, message);
    };
    worker.on('error', (e: Error & { code?: string }) => exit(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : 'crash', e.message));
    worker.on('exit', (code) => exit('crash', `the worker exited with code ${code}`));
    return {
      post: (m, transfer) => worker.postMessage(m, transfer ?? []),
      onMessage: (f) => worker.on('message', f),
      onExit: (f) => (onExit = f),
      terminate: () => {
        ended = true;
        void worker.terminate();
      },
    };
  },
};
