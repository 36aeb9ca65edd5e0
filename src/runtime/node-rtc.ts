// Node's RTCPeerConnection (node-datachannel's W3C polyfill) and the settings for links on one
// machine. Browser code never imports this file: it passes its own globalThis.RTCPeerConnection.
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import nodeDataChannel from 'node-datachannel';
import type { PeerConnectionCtor } from './webrtc-net.js';

export const NodeRTCPeerConnection = RTCPeerConnection as unknown as PeerConnectionCtor;

/** No STUN, sockets bound to the loopback interface: links between processes on one machine. */
export const LOOPBACK_RTC_CONFIG: Record<string, unknown> = { iceServers: [], bindAddress: '127.0.0.1' };

/** Signal only candidates on 127.0.0.1, so a loopback test never depends on other interfaces. */
export function loopbackCandidatesOnly(candidate: string): boolean {
  return / 127\.0\.0\.1 /.test(candidate);
}

/**
 * Stop node-datachannel's native threads. Call it once every peer connection in the process is
 * closed (end of a test file, end of a bench child), or the process may not exit.
 */
export function shutdownNodeRtc(): void {
  nodeDataChannel.cleanup();
}
