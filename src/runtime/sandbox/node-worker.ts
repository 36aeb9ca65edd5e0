// The entry of a Node sandbox: a worker thread started by node-sandbox.ts, which runs inside.ts
// over its parent port.
import { parentPort } from 'node:worker_threads';
import type { ToSandbox } from '../../services/jobs/sandbox/protocol.js';
import { serveSandbox } from './inside.js';

const port = parentPort!;
serveSandbox({ post: (m, transfer) => port.postMessage(m, transfer ?? []), onMessage: (f) => port.on('message', (m: ToSandbox) => f(m)) });
