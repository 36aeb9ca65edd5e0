// A peer in a Node process: node-datachannel's RTCPeerConnection, the `ws` WebSocket and a LevelDB
// store in the volunteer's data directory (so its identity, hence its id, survives restarts).
import WebSocket from 'ws';
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { installNodeSha256 } from '../runtime/native-sha256.js';
import { LOOPBACK_RTC_CONFIG, NodeRTCPeerConnection, loopbackCandidatesOnly } from '../runtime/node-rtc.js';
import { startPeer, type RunningPeer, type StartPeerOptions } from './start-peer.js';
import type { WebSocketCtor } from '../runtime/ws-signaler.js';

export interface NodePeerOptions extends Omit<StartPeerOptions, 'store' | 'RTCPeerConnection'> {
  dataDir: string;
  /** Links between processes on this machine only (tests, benches, `cumulus up`). */
  loopback?: boolean;
}

export async function startNodePeer(opts: NodePeerOptions): Promise<RunningPeer> {
  installNodeSha256();
  const store = await LevelStore.open(openLevel(opts.dataDir));
  const loopback = opts.loopback ?? true;
  return startPeer({
    ...opts,
    store,
    RTCPeerConnection: NodeRTCPeerConnection,
    WebSocket: opts.WebSocket ?? (WebSocket as unknown as WebSocketCtor),
    ...(loopback ? { rtcConfig: opts.rtcConfig ?? LOOPBACK_RTC_CONFIG, candidateFilter: loopbackCandidatesOnly } : {}),
  });
}
