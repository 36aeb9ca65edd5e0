// The part of the W3C RTCPeerConnection API a WebRtcNet uses. The browser's own class and
// node-datachannel's polyfill both fit it, so the constructor can be injected.
import type { DataChannelLike } from './link.js';

/** The minimal RTCPeerConnection surface we use. */
export interface PeerConnectionLike {
  createDataChannel(label: string, init?: { ordered?: boolean }): DataChannelLike;
  createOffer(): Promise<{ type: string; sdp?: string }>;
  createAnswer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(d: { type: string; sdp?: string }): Promise<void>;
  setRemoteDescription(d: { type: 'offer' | 'answer'; sdp: string }): Promise<void>;
  addIceCandidate(c: { candidate: string; sdpMid: string }): Promise<void>;
  close(): void;
  readonly connectionState: string;
  onicecandidate: ((ev: { candidate: { candidate: string; sdpMid: string | null } | null }) => void) | null;
  ondatachannel: ((ev: { channel: DataChannelLike }) => void) | null;
  onconnectionstatechange: ((ev: unknown) => void) | null;
}
export type PeerConnectionCtor = new (config: Record<string, unknown>) => PeerConnectionLike;

/** Detach our handlers and close; closing twice is harmless. */
export function closePc(pc: PeerConnectionLike): void {
  pc.onicecandidate = null;
  pc.ondatachannel = null;
  pc.onconnectionstatechange = null;
  try {
    pc.close();
  } catch {
    // Closing twice is harmless; some implementations throw anyway.
  }
}
