// The entry of a tab's sandbox: a dedicated Web Worker (module) started by sandbox-web.ts from
// /sandbox-worker.js, which runs the same inside.ts as a Node sandbox over its own message port.
import type { ToSandbox } from '../services/jobs/sandbox/protocol.js';
import { serveSandbox } from '../runtime/sandbox/inside.js';

const scope = globalThis as unknown as { postMessage(m: unknown, transfer: Transferable[]): void; addEventListener(t: 'message', f: (e: MessageEvent<ToSandbox>) => void): void };
const post = scope.postMessage.bind(scope);
serveSandbox({ post: (m, transfer) => post(m, transfer ?? []), onMessage: (f) => scope.addEventListener('message', (e) => f(e.data)) });
