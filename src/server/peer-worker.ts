// The worker thread that runs the server's own peer (started by peer-thread.ts, which describes
// the messages). The peer is startServerPeer's, with its signaling bridged to the hub on the main
// thread; the gateway's FileSystem is served on the port it was given.
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { check } from '../core/codec.js';
import type { PeerId } from '../core/id.js';
import { startNodePeer } from '../runtime/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { fullStatus } from '../runtime/peer-status.js';
import type { SignalMessage, Signaler } from '../runtime/signaler.js';
import type { LocalAttachment, RunningPeer } from '../runtime/start-peer.js';
import { RingFileSystem } from './api/ring-fs.js';
import { serveFileSystem } from './fs-bridge.js';
import { SERVER_PEER_QUOTA_BYTES, timedRead } from './own-peer.js';
import { ToWorkerSchema, type FromWorker, type PeerWorkerData, type ToWorker } from './peer-thread.js';

const port = parentPort;
if (!port) throw new Error('peer-worker.ts runs only as a worker thread');
const opts = workerData as PeerWorkerData;
const post = (m: FromWorker) => port.postMessage(m);

/** This thread's id in the OS (Linux: /proc/thread-self -> <pid>/task/<tid>). */
function ownTid(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

let signalHandler: (from: PeerId, msg: SignalMessage) => void = () => {};
let attachedResolve: ((contacts: PeerId[]) => void) | null = null;
let running: RunningPeer | null = null;
let stopFs: (() => void) | null = null;
let closing = false;

const attach = async (self: PeerId): Promise<LocalAttachment> => {
  const contacts = new Promise<PeerId[]>((resolve) => (attachedResolve = resolve));
  post({ t: 'attach', self });
  const signaler: Signaler = {
    send: (to, msg) => post({ t: 'signal', signal: { type: 'signal', to, msg } }),
    setHandler: (fn) => void (signalHandler = fn),
  };
  return { signaler, contacts: await contacts, detach: () => post({ t: 'detach' }) };
};

const close = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  stopFs?.();
  await running?.close();
  shutdownNodeRtc();
  post({ t: 'closed' });
  port.close();
};

port.on('message', (raw: unknown) => {
  const r = check(ToWorkerSchema, raw, 'message to the peer thread');
  if (!r.ok) return;
  const m: ToWorker = r.value;
  if (m.t === 'attached') {
    attachedResolve?.(m.contacts as PeerId[]);
    attachedResolve = null;
  } else if (m.t === 'signal') {
    signalHandler(m.signal.from as PeerId, m.signal.msg as SignalMessage);
  } else if (m.t === 'close') {
    void close();
  } else {
    const p = running;
    const answer = async (): Promise<unknown> => {
      if (!p) throw new Error('the peer is not running');
      if (m.op === 'status') return fullStatus(p);
      const client = p.peer.storage?.client;
      if (!client) throw new Error('the server peer runs no storage');
      if (m.op === 'counters') return { ...client.counters };
      if (m.path === undefined) throw new Error('read needs a path');
      return timedRead(p, m.path);
    };
    answer().then(
      (value) => post({ t: 'reply', rid: m.rid, ok: true, value }),
      (e: unknown) => post({ t: 'reply', rid: m.rid, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  }
});

try {
  running = await startNodePeer({
    dataDir: opts.dataDir,
    loopback: opts.rtcConfig === undefined,
    ...(opts.rtcConfig ? { rtcConfig: opts.rtcConfig } : {}),
    storage: opts.storage ?? { quotaBytes: SERVER_PEER_QUOTA_BYTES },
    local: attach,
  });
  const p = running;
  stopFs = serveFileSystem(opts.fsPort, new RingFileSystem(() => p.peer.storage?.client ?? null)).stop;
  const tid = ownTid();
  post(tid === undefined ? { t: 'ready', id: p.identity.id } : { t: 'ready', id: p.identity.id, tid });
  if (closing) await p.close();
} catch (e) {
  post({ t: 'failed', message: e instanceof Error ? e.message : String(e) });
  port.close();
}
