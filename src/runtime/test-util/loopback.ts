// Builds WebRtcNets on 127.0.0.1 for tests: real node-datachannel links, fresh identities.
import { RealClock } from '../clock.js';
import { CryptoRng } from '../rng.js';
import { createIdentity, type Identity } from '../identity.js';
import { WebRtcNet, type WebRtcNetOptions } from '../webrtc-net.js';
import { LOOPBACK_RTC_CONFIG, NodeRTCPeerConnection, loopbackCandidatesOnly } from '../node-rtc.js';
import type { Signaler } from '../../services/signal/messages.js';

export function loopbackNet(signaler: Signaler, identity: Identity = createIdentity(new CryptoRng()), extra: Partial<WebRtcNetOptions> = {}): WebRtcNet {
  return new WebRtcNet({
    identity,
    clock: new RealClock(),
    signaler,
    RTCPeerConnection: NodeRTCPeerConnection,
    rtcConfig: LOOPBACK_RTC_CONFIG,
    candidateFilter: loopbackCandidatesOnly,
    ...extra,
  });
}
