// The server's own peer in a worker thread. The main thread keeps Fastify (the REST gateway, the
// volunteer page, the signaling hub); the worker runs the peer (overlay, storage service, LevelDB,
// node-datachannel's WebRTC) as startServerPeer would in line. Two MessagePorts join them:
//  - the worker's own port carries control: the peer's signaling through the hub (attach, signals
//    both ways, detach), its status and read counters, the bench's timed read, and close;
//  - a second port carries the gateway's FileSystem (fs-bridge.ts): the main thread mounts a
//    RemoteFileSystem, the worker serves the peer's RingFileSystem.
// Why: a GET's socket writes (HTTP, the kernel's copies) run on the main thread while the worker
// reads and verifies the next chunks, in parallel on another core; and the peer's overlay and
// storage work never waits behind HTTP work. Every message is checked against its schema.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Type, type Static } from '@sinclair/typebox';
import { check } from '../core/codec.js';
import type { PeerId } from '../core/id.js';
import type { SignalMessage } from '../runtime/signaler.js';
import type { ReadCounters } from '../services/storage/replicas.js';
import type { CumulusServer } from './app.js';
import { RemoteFileSystem } from './fs-bridge.js';
import type { OwnPeer, OwnRead, ServerPeerOptions } from './own-peer.js';
import { ClientSignalSchema, ServerSignalSchema } from './protocol.js';

const HexId = Type.String({ pattern: '^[0-9a-f]{40}$' });
const Rid = Type.Integer({ minimum: 1 });

/** Worker to main thread, on the worker's port. */
export const FromWorkerSchema = Type.Union([
  Type.Object({ t: Type.Literal('attach'), self: HexId }),
  Type.Object({ t: Type.Literal('signal'), signal: ClientSignalSchema }),
  Type.Object({ t: Type.Literal('detach') }),
  Type.Object({ t: Type.Literal('ready'), id: HexId, tid: Type.Optional(Type.Integer({ minimum: 1 })) }),
  Type.Object({ t: Type.Literal('failed'), message: Type.String() }),
  Type.Object({ t: Type.Literal('reply'), rid: Rid, ok: Type.Boolean(), value: Type.Optional(Type.Unknown()), error: Type.Optional(Type.String()) }),
  Type.Object({ t: Type.Literal('closed') }),
]);
export type FromWorker = Static<typeof FromWorkerSchema>;

/** Main thread to worker. */
export const ToWorkerSchema = Type.Union([
  Type.Object({ t: Type.Literal('attached'), contacts: Type.Array(HexId, { maxItems: 64 }) }),
  Type.Object({ t: Type.Literal('signal'), signal: ServerSignalSchema }),
  Type.Object({ t: Type.Literal('ask'), rid: Rid, op: Type.Union([Type.Literal('status'), Type.Literal('counters'), Type.Literal('read')]), path: Type.Optional(Type.String({ maxLength: 4096 })) }),
  Type.Object({ t: Type.Literal('close') }),
]);
export type ToWorker = Static<typeof ToWorkerSchema>;

/** What the worker is started with (workerData). */
export interface PeerWorkerData extends ServerPeerOptions {
  fsPort: MessagePort;
}

/** Longest a closing worker gets to leave the ring and exit before it is terminated. */
const CLOSE_GRACE_MS = 5000;
/** Longest the peer may take to start (open its store, join or create the ring). */
const START_TIMEOUT_MS = 120_000;

/** The compiled worker script: beside this file in dist/, or dist/ when tests run from src/. */
function workerScript(): URL {
  const here = new URL('./peer-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/server/peer-worker.js', import.meta.url);
}

export interface WorkerOwnPeer extends OwnPeer {
  readonly thread: 'worker';
  /** The FileSystem the gateway mounts: the peer's RingFileSystem, across the port. */
  readonly fs: RemoteFileSystem;
  /** The worker's thread id in the OS (Linux; for its CPU time in /proc), if it told. */
  readonly tid: number | undefined;
  /** Messages from the worker that failed their schema check (dropped). */
  readonly badMessages: number;
}

/**
 * Start the server's peer in a worker thread, signaling through `server`'s hub. Resolves once the
 * peer is on the ring (or has created it), like startServerPeer.
 */
export async function startPeerThread(server: CumulusServer, opts: ServerPeerOptions): Promise<WorkerOwnPeer> {
  const { port1: fsMain, port2: fsWorker } = new MessageChannel();
  const data: PeerWorkerData = { ...opts, fsPort: fsWorker };
  const worker = new Worker(workerScript(), { workerData: data, transferList: [fsWorker] });
  const fs = new RemoteFileSystem(fsMain);
  const waiters = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextRid = 1;
  let badMessages = 0;
  let attached: (ReturnType<CumulusServer['hub']['attachLocal']>) | null = null;
  let exited = false;
  let id: PeerId | undefined;
  let tid: number | undefined;
  let closing: Promise<void> | null = null;
  let onClosed: () => void = () => {};
  const closedMsg = new Promise<void>((resolve) => (onClosed = resolve));
  const post = (m: ToWorker) => {
    if (!exited) worker.postMessage(m);
  };
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server's peer did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const gone = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`the server's peer thread ${why}`));
    };
    worker.once('error', (e) => gone(`failed: ${e.message}`));
    worker.once('exit', (code) => gone(`exited (code ${code})`));
    worker.on('message', (raw: unknown) => {
      const r = check(FromWorkerSchema, raw, 'message from the peer thread');
      if (!r.ok) {
        badMessages++;
        return;
      }
      const m = r.value;
      switch (m.t) {
        case 'attach': {
          attached?.detach();
          const self = m.self as PeerId;
          attached = server.hub.attachLocal(self);
          attached.setHandler((from, msg) => post({ t: 'signal', signal: { type: 'signal', from, msg } }));
          return post({ t: 'attached', contacts: server.hub.contacts(self) });
        }
        case 'signal': return attached?.send(m.signal.to as PeerId, m.signal.msg as SignalMessage);
        case 'detach':
          attached?.detach();
          attached = null;
          return;
        case 'ready':
          clearTimeout(timer);
          id = m.id as PeerId;
          tid = m.tid;
          return resolve();
        case 'failed': return gone(`could not start the peer: ${m.message}`);
        case 'closed': return onClosed();
        case 'reply': {
          const w = waiters.get(m.rid);
          waiters.delete(m.rid);
          if (m.ok) w?.resolve(m.value);
          else w?.reject(new Error(m.error ?? 'the peer thread failed the request'));
        }
      }
    });
  });
  worker.once('exit', () => {
    exited = true;
    attached?.detach();
    attached = null;
    fs.close('its thread ended');
    for (const w of waiters.values()) w.reject(new Error('the server\'s peer thread ended'));
    waiters.clear();
  });
  worker.on('error', (e) => {
    // An uncaught failure in the peer's thread ends it; the gateway then answers 503.
    process.stderr.write(`cumulus: the server's peer thread failed: ${e.stack ?? e.message}\n`);
  });

  const ask = (op: 'status' | 'counters' | 'read', path?: string): Promise<unknown> => {
    if (exited) return Promise.reject(new Error('the server\'s peer thread has ended'));
    const rid = nextRid++;
    return new Promise((resolve, reject) => {
      waiters.set(rid, { resolve, reject });
      post(path === undefined ? { t: 'ask', rid, op } : { t: 'ask', rid, op, path });
    });
  };

  const close = (): Promise<void> => (closing ??= (async () => {
    post({ t: 'close' });
    const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
    await Promise.race([closedMsg, exit]);
    // Left the ring and closed its store: nothing more to wait for in the thread.
    if (!exited) await worker.terminate();
    clearTimeout(timer);
    fs.close('the server closed its peer');
    fsMain.close();
  })());

  try {
    await ready;
  } catch (e) {
    await close();
    throw e;
  }
  return {
    get id() { return id as PeerId; },
    thread: 'worker', fs, tid,
    get badMessages() { return badMessages; },
    status: async () => (await ask('status')) as Record<string, unknown>,
    readCounters: async () => (await ask('counters')) as ReadCounters,
    readFile: async (path) => (await ask('read', path)) as OwnRead,
    close,
  };
}

/** CPU time of one thread of this process (ms, from /proc's schedstat; undefined off Linux). */
export function threadCpuMs(tid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}
