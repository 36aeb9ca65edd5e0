// Sandboxes for a tab: each a dedicated module Web Worker running /sandbox-worker.js (SES and the
// WASI shim, as in Node). A Web Worker has no heap limit a page can set: a JS task's memory is
// bounded only by the browser's own limit for the worker, which is what `unlimited` says.
import type { SandboxChannel, SandboxFactory } from '../services/jobs/sandbox/protocol.js';

export const SANDBOX_WORKER_URL = '/sandbox-worker.js';

export const webSandboxes: SandboxFactory = {
  unlimited: 'a tab cannot bound the heap of a JS task (WASM memory is bounded)',
  spawn(): SandboxChannel {
    const worker = new Worker(SANDBOX_WORKER_URL, { type: 'module', name: 'cumulus-sandbox' });
    let ended = false;
    let onExit: (reason: 'oom' | 'crash', message: string) => void = () => undefined;
    const exit = (message: string) => {
      if (ended) return;
      ended = true;
      worker.terminate();
      onExit('crash', message);
    };
    worker.addEventListener('error', (e) => exit(e.message || 'the worker failed'));
    worker.addEventListener('messageerror', () => exit('a message from the worker could not be read'));
    return {
      post: (m, transfer) => worker.postMessage(m, transfer ?? []),
      onMessage: (f) => worker.addEventListener('message', (e: MessageEvent<unknown>) => f(e.data)),
      onExit: (f) => (onExit = f),
      terminate: () => {
        ended = true;
        worker.terminate();
      },
    };
  },
};
