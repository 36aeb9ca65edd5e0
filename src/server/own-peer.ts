// The server's own peer: it stands on the ring like any other, with its identity kept in a level
// store so it keeps its id across restarts. It signals through the hub in-process, so joining
// peers can link to it as a first contact; it creates the ring when it is the first peer.
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import type { StorageOptions } from '../services/storage/service.js';
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

export async function startServerPeer(server: CumulusServer, opts: ServerPeerOptions): Promise<ServerPeer> {
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
  // Pages using the coordination drop-in ask the ring through this peer (dropin-gateway.ts).
  server.dropin.attach(running.peer);
  return Object.assign(running, { id: running.identity.id });
}
