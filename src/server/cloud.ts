// A whole rendezvous server as `cumulus serve` and `cumulus up` run it: signaling, the volunteer
// page, the REST gateway (users and their files in the data directory) and the server's own peer
// on the ring. Files are kept on the ring through the server's peer (or, with no peer, on this disk).
import { join } from 'node:path';
import type { FileSystem } from './api/files.js';
import { LocalFileSystem } from './api/local-fs.js';
import { RingFileSystem } from './api/ring-fs.js';
import { FileUserStore } from './api/users.js';
import { createServer, type CumulusServer } from './app.js';
import { startServerPeer, type ServerPeer, type ServerPeerOptions } from './own-peer.js';
import { IceIssuer, type IceSettings } from './ice.js';
import type { IceInterfaces } from '../runtime/node-rtc.js';

export interface CloudServerOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Run the server's own peer (default true). */
  peer?: boolean;
  /** Options of the server's peer beyond its data directory (server/own-peer.ts). */
  peerOptions?: Omit<ServerPeerOptions, 'dataDir'>;
  /** STUN/TURN servers for joining peers (--ice-server), with the TURN secret. */
  ice?: IceSettings;
  /** Where the server's peer gathers candidates (default loopback). */
  iceInterfaces?: IceInterfaces;
}

export interface CloudServer {
  readonly server: CumulusServer;
  readonly peer: ServerPeer | null;
  readonly users: FileUserStore;
  readonly fs: FileSystem;
  close(): Promise<void>;
}

export async function startCloudServer(o: CloudServerOptions): Promise<CloudServer> {
  const users = await FileUserStore.open(join(o.dataDir, 'users'));
  let peer: ServerPeer | null = null;
  // With its own peer the gateway stores files on the ring, through that peer's storage client
  // (503 until the peer has joined); without one it can only keep them on this disk.
  const fs: FileSystem = o.peer !== false
    ? new RingFileSystem(() => peer?.peer.storage?.client ?? null)
    : await LocalFileSystem.open(join(o.dataDir, 'files'));
  const ice = o.ice ? new IceIssuer(o.ice) : undefined;
  const jobs = o.peer !== false ? () => peer?.peer.jobs?.client ?? null : undefined;
  const server = await createServer({ port: o.port, host: o.host, api: { users, fs, ...(jobs && { jobs }) }, ...(ice ? { ice } : {}) });
  try {
    if (o.peer !== false) peer = await startServerPeer(server, { ...o.peerOptions, dataDir: join(o.dataDir, 'server-peer'), ...(o.iceInterfaces ? { iceInterfaces: o.iceInterfaces } : {}) });
  } catch (e) {
    await server.close();
    throw e;
  }
  let closing: Promise<void> | null = null;
  return {
    server, peer, users, fs,
    close: () => (closing ??= (async () => {
      await peer?.close();
      await server.close();
    })()),
  };
}
