// A whole rendezvous server as `cumulus serve` and `cumulus up` run it: signaling, the volunteer
// page, the REST gateway (users and their files in the data directory) and the server's own peer
// on the ring. Files are kept on the ring through the server's peer (or, with no peer, on this disk).
// The peer runs on the main thread by default (`inline`), or in a worker thread (peer-thread.ts; a prototype, see docs/api.md).
import { join } from 'node:path';
import { CumulusError } from '../core/errors.js';
import type { FileSystem } from './api/files.js';
import { LocalFileSystem } from './api/local-fs.js';
import { RingFileSystem } from './api/ring-fs.js';
import { FileUserStore } from './api/users.js';
import { createServer, type CumulusServer } from './app.js';
import { inlineOwnPeer, startServerPeer, type OwnPeer, type ServerPeer } from './own-peer.js';
import { startPeerThread } from './peer-thread.js';

export type PeerThread = 'inline' | 'worker';

export interface CloudServerOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Run the server's own peer (default true). */
  peer?: boolean;
  /** Where the server's peer runs: the main thread (default) or a worker thread of its own (prototype). */
  peerThread?: PeerThread;
}

export interface CloudServer {
  readonly server: CumulusServer;
  readonly peer: OwnPeer | null;
  readonly users: FileUserStore;
  readonly fs: FileSystem;
  close(): Promise<void>;
}

export const DEFAULT_PEER_THREAD: PeerThread = 'inline';

export async function startCloudServer(o: CloudServerOptions): Promise<CloudServer> {
  const users = await FileUserStore.open(join(o.dataDir, 'users'));
  const dataDir = join(o.dataDir, 'server-peer');
  if (o.peer !== false && (o.peerThread ?? DEFAULT_PEER_THREAD) === 'worker') {
    // The gateway mounts the peer's FileSystem across the thread boundary: 503 until the peer is
    // on the ring (its RingFileSystem's rule), and after its thread is gone.
    let remote: FileSystem | null = null;
    const fs = lateFileSystem(() => remote);
    const server = await createServer({ port: o.port, host: o.host, api: { users, fs } });
    let peer: Awaited<ReturnType<typeof startPeerThread>>;
    try {
      peer = await startPeerThread(server, { dataDir });
    } catch (e) {
      await server.close();
      throw e;
    }
    remote = peer.fs;
    return closable(server, peer, users, fs);
  }
  let running: ServerPeer | null = null;
  // With its own peer the gateway stores files on the ring, through that peer's storage client
  // (503 until the peer has joined); without one it can only keep them on this disk.
  const fs: FileSystem = o.peer !== false
    ? new RingFileSystem(() => running?.peer.storage?.client ?? null)
    : await LocalFileSystem.open(join(o.dataDir, 'files'));
  const server = await createServer({ port: o.port, host: o.host, api: { users, fs } });
  try {
    if (o.peer !== false) running = await startServerPeer(server, { dataDir });
  } catch (e) {
    await server.close();
    throw e;
  }
  return closable(server, running ? inlineOwnPeer(running) : null, users, fs);
}

function closable(server: CumulusServer, peer: OwnPeer | null, users: FileUserStore, fs: FileSystem): CloudServer {
  let closing: Promise<void> | null = null;
  return {
    server, peer, users, fs,
    close: () => (closing ??= (async () => {
      await peer?.close();
      await server.close();
    })()),
  };
}

/** A FileSystem whose backend comes later (the peer's thread starts after the server listens): 503 until then. */
function lateFileSystem(backend: () => FileSystem | null): FileSystem {
  const fs = (): FileSystem => {
    const b = backend();
    if (!b) throw new CumulusError('PEER_GONE', 'the gateway is not on the ring yet; retry shortly');
    return b;
  };
  return {
    put: async (path, body, opts) => fs().put(path, body, opts),
    get: async (path, range, known) => fs().get(path, range, known),
    stat: async (path) => fs().stat(path),
    list: async (dir, opts) => fs().list(dir, opts),
    mkdir: async (path, opts) => fs().mkdir(path, opts),
    rm: async (path) => fs().rm(path),
    usage: async (dir) => {
      const b = fs();
      if (!b.usage) throw new CumulusError('INVALID_ARGUMENT', 'no usage totals');
      return b.usage(dir);
    },
  };
}
