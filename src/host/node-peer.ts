// A peer in a Node process: node-datachannel's RTCPeerConnection, the `ws` WebSocket and a LevelDB
// store in the volunteer's data directory (so its identity, hence its id, survives restarts).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import WebSocket from 'ws';
import type { PeerId } from '../core/id.js';
import { IDENTITY_STORE_KEY, identityFromSecret, SECRET_KEY_BYTES } from '../runtime/identity.js';
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { installNodeSha256 } from '../runtime/native-sha256.js';
import { NodeRTCPeerConnection, nodeRtcSettings, type IceInterfaces } from '../runtime/node-rtc.js';
import { nodeSandboxes } from '../runtime/sandbox/node-sandbox.js';
import { SandboxPool } from '../services/jobs/sandbox/pool.js';
import { startPeer, type RunningPeer, type StartPeerOptions } from './start-peer.js';
import type { WebSocketCtor } from '../runtime/ws-signaler.js';

export interface NodePeerOptions extends Omit<StartPeerOptions, 'store' | 'RTCPeerConnection'> {
  dataDir: string;
  /**
   * Where to gather ICE candidates: 'loopback' (the default here: tests, benches and `cumulus up`
   * link processes of one machine), 'all' interfaces (`cumulus volunteer`, `cumulus serve`), or
   * listed addresses. Anything but loopback also uses the server's STUN/TURN servers.
   */
  iceInterfaces?: IceInterfaces;
}

/** Sandboxes a Node peer runs js and wasm tasks in at most at once: every core but one, at least one. */
export const NODE_SANDBOXES = Math.max(1, availableParallelism() - 1);

export async function startNodePeer(opts: NodePeerOptions): Promise<RunningPeer> {
  installNodeSha256();
  const store = await LevelStore.open(openLevel(opts.dataDir));
  const rtc = nodeRtcSettings(opts.iceInterfaces ?? 'loopback');
  return startPeer({
    ...opts,
    store,
    RTCPeerConnection: NodeRTCPeerConnection,
    WebSocket: opts.WebSocket ?? (WebSocket as unknown as WebSocketCtor),
    rtcConfig: opts.rtcConfig ?? rtc.rtcConfig,
    ...(rtc.candidateFilter ? { candidateFilter: rtc.candidateFilter } : {}),
    useIceServers: rtc.useIceServers,
    gossip: opts.gossip ?? { cores: availableParallelism() },
    sandboxes: opts.sandboxes ?? new SandboxPool(nodeSandboxes, NODE_SANDBOXES),
  });
}

/**
 * The id of the peer whose data directory this is, without starting it (null when it has none
 * yet): `cumulus up` tells the server's peer which of the peers it knew restart with it.
 */
export async function storedPeerId(dataDir: string): Promise<PeerId | null> {
  if (!existsSync(dataDir)) return null;
  const store = await LevelStore.open(openLevel(dataDir));
  try {
    const secret = await store.get(IDENTITY_STORE_KEY);
    return secret !== undefined && secret.length === SECRET_KEY_BYTES ? identityFromSecret(secret).id : null;
  } finally {
    await store.close();
  }
}
