// The server's own peer: it stands on the ring like any other, with its identity kept in a level
// store so it keeps its id across restarts. It signals through the hub, so joining peers can link
// to it as a first contact; it creates the ring when it is the first peer. It runs either on the
// server's main thread (startServerPeer, `inline`) or in a worker thread of its own
// (peer-thread.ts, `worker`); the server sees both through `OwnPeer`.
import type { PeerId } from '../core/id.js';
import { fullStatus } from '../runtime/peer-status.js';
import type { RunningPeer } from '../runtime/start-peer.js';
import type { StorageOptions } from '../services/storage/service.js';
import type { ReadCounters } from '../services/storage/replicas.js';
import type { CumulusServer } from './app.js';

export interface ServerPeerOptions {
  dataDir: string;
  /** RTCPeerConnection settings; loopback by default, add iceServers to reach other hosts. */
  rtcConfig?: Record<string, unknown>;
  /** The storage the server's peer lends (default 1 GiB); the gateway's files live on the ring through it. */
  storage?: StorageOptions;
}

export const SERVER_PEER_QUOTA_BYTES = 1024 * 1024 * 1024;

export type ServerPeer = RunningPeer & { readonly id: RunningPeer['identity']['id'] };

/** One read of a whole file by the peer's own storage client, timed in the peer's thread. */
export interface OwnRead {
  bytes: number;
  ms: number;
}

/** What the server asks of its own peer, wherever it runs. */
export interface OwnPeer {
  readonly id: PeerId;
  readonly thread: 'inline' | 'worker';
  /** The peer's whole status (fullStatus: ring place, signaling, storage). */
  status(): Promise<Record<string, unknown>>;
  /** The storage client's read counters (chunks read, from this peer's own store…). */
  readCounters(): Promise<ReadCounters>;
  /**
   * Read a whole file with the storage client (`client.open`, what the gateway's reads call), in
   * the peer's own thread; the time is taken there. The baseline of `cumulus bench api`.
   */
  readFile(path: string): Promise<OwnRead>;
  /** Leave the ring and close the peer (and its thread); idempotent. */
  close(): Promise<void>;
}

export async function startServerPeer(server: CumulusServer, opts: ServerPeerOptions): Promise<ServerPeer> {
  // Loaded only here: a process whose peer runs in a worker thread must not load node-datachannel
  // on its main thread too (the native module then crashes the worker; see peer-thread.ts).
  const { startNodePeer } = await import('../runtime/node-peer.js');
  const running = await startNodePeer({
    dataDir: opts.dataDir,
    loopback: opts.rtcConfig === undefined,
    ...(opts.rtcConfig ? { rtcConfig: opts.rtcConfig } : {}),
    storage: opts.storage ?? { quotaBytes: SERVER_PEER_QUOTA_BYTES },
    local: (self) => {
      const signaler = server.hub.attachLocal(self);
      return { signaler, contacts: server.hub.contacts(self), detach: () => signaler.detach() };
    },
  });
  return Object.assign(running, { id: running.identity.id });
}

/** Time a whole read of `path` by a peer's storage client (the bench's baseline). */
export async function timedRead(running: RunningPeer, path: string): Promise<OwnRead> {
  const client = running.peer.storage?.client;
  if (!client) throw new Error('the server peer runs no storage');
  const t = performance.now();
  let n = 0;
  for await (const c of await client.open(path)) n += c.length;
  return { bytes: n, ms: performance.now() - t };
}

/** The server's peer on the main thread, as OwnPeer; `running` is the peer itself. */
export function inlineOwnPeer(running: ServerPeer): OwnPeer & { readonly running: ServerPeer } {
  return {
    id: running.id, thread: 'inline', running,
    status: async () => fullStatus(running),
    readCounters: async () => {
      const c = running.peer.storage?.client;
      if (!c) throw new Error('the server peer runs no storage');
      return { ...c.counters };
    },
    readFile: (path) => timedRead(running, path),
    close: () => running.close(),
  };
}
