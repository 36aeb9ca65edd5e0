// The server's own peer: it stands on the ring like any other, with its identity kept in a level
// store so it keeps its id across restarts. It signals through the hub in-process, so joining
// peers can link to it as a first contact; it creates the ring when it is the first peer.
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import type { StorageOptions } from '../services/storage/service.js';
import type { CumulusServer } from './app.js';
import type { IceInterfaces } from '../runtime/node-rtc.js';

export interface ServerPeerOptions {
  dataDir: string;
  /** Where the server's peer gathers ICE candidates (default loopback; `cumulus serve` gives all). */
  iceInterfaces?: IceInterfaces;
  /** The storage the server's peer lends (default 1 GiB); the gateway's files live on the ring through it. */
  storage?: StorageOptions;
}

export const SERVER_PEER_QUOTA_BYTES = 1024 * 1024 * 1024;

export type ServerPeer = RunningPeer & { readonly id: RunningPeer['identity']['id'] };

export async function startServerPeer(server: CumulusServer, opts: ServerPeerOptions): Promise<ServerPeer> {
  const running = await startNodePeer({
    dataDir: opts.dataDir,
    ...(opts.iceInterfaces ? { iceInterfaces: opts.iceInterfaces } : {}),
    storage: opts.storage ?? { quotaBytes: SERVER_PEER_QUOTA_BYTES },
    local: (self) => {
      const signaler = server.hub.attachLocal(self);
      const ice = server.ice;
      return { signaler, contacts: server.hub.contacts(self), detach: () => signaler.detach(), ...(ice && !ice.empty ? { ice: () => ice.forPeer(self) } : {}) };
    },
  });
  return Object.assign(running, { id: running.identity.id });
}
