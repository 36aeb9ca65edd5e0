// The server's own peer: it stands on the ring like any other, with its identity kept in a level
// store so it keeps its id across restarts. It signals through the hub in-process, so joining
// peers can link to it as a first contact.
//
// Seam for the lead: this starts the Net only. The overlay (src/overlay) is attached on top of
// `net` (with `store`, a RealClock and a CryptoRng as the rest of the Env) once it lands.
import type { PeerId } from '../core/id.js';
import { RealClock } from '../runtime/clock.js';
import { CryptoRng } from '../runtime/rng.js';
import { loadOrCreateIdentity } from '../runtime/identity.js';
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { WebRtcNet } from '../runtime/webrtc-net.js';
import { LOOPBACK_RTC_CONFIG, NodeRTCPeerConnection } from '../runtime/node-rtc.js';
import type { CumulusServer } from './app.js';

export interface ServerPeerOptions {
  dataDir: string;
  /** RTCPeerConnection settings; loopback by default, add iceServers to reach other hosts. */
  rtcConfig?: Record<string, unknown>;
}

export interface ServerPeer {
  readonly id: PeerId;
  readonly net: WebRtcNet;
  readonly store: LevelStore;
  close(): Promise<void>;
}

export async function startServerPeer(server: CumulusServer, opts: ServerPeerOptions): Promise<ServerPeer> {
  const clock = new RealClock();
  const rng = new CryptoRng();
  const store = await LevelStore.open(openLevel(opts.dataDir));
  const identity = await loadOrCreateIdentity(store, rng);
  const signaler = server.hub.attachLocal(identity.id);
  const net = new WebRtcNet({ identity, clock, signaler, RTCPeerConnection: NodeRTCPeerConnection, rtcConfig: opts.rtcConfig ?? LOOPBACK_RTC_CONFIG });
  return {
    id: identity.id,
    net,
    store,
    close: async () => {
      net.close();
      signaler.detach();
      await store.close();
    },
  };
}
