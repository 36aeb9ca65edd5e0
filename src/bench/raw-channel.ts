// The baseline for the link bench: a bare node-datachannel RTCPeerConnection and data channel,
// with the same frame size and the same backpressure scheme (high/low water marks on
// bufferedAmount) as a Cumulus link, signaled over the bench's process channel.
import { DEFAULT_LINK_LIMITS, type DataChannelLike } from '../runtime/link.js';
import { LOOPBACK_RTC_CONFIG, NodeRTCPeerConnection, loopbackCandidatesOnly } from '../runtime/node-rtc.js';
import type { PeerConnectionLike } from '../runtime/webrtc-net.js';

export type RawSignal = { kind: 'raw-offer' | 'raw-answer'; sdp: string } | { kind: 'raw-candidate'; candidate: string; mid: string };

export interface RawEnd {
  pc: PeerConnectionLike;
  onSignal(s: RawSignal): Promise<void>;
  channel: Promise<DataChannelLike>;
}

export function rawEnd(role: 'offerer' | 'answerer', sendSignal: (s: RawSignal) => void): RawEnd {
  const pc = new NodeRTCPeerConnection({ ...LOOPBACK_RTC_CONFIG });
  pc.onicecandidate = (ev) => {
    const c = ev.candidate;
    if (c?.candidate && loopbackCandidatesOnly(c.candidate)) sendSignal({ kind: 'raw-candidate', candidate: c.candidate, mid: c.sdpMid ?? '0' });
  };
  const channel = new Promise<DataChannelLike>((resolve) => {
    const ready = (dc: DataChannelLike) => {
      dc.binaryType = 'arraybuffer';
      if (dc.readyState === 'open') resolve(dc);
      else dc.onopen = () => resolve(dc);
    };
    if (role === 'offerer') ready(pc.createDataChannel('raw', { ordered: true }));
    else pc.ondatachannel = (ev) => ready(ev.channel);
  });
  const early: Array<{ candidate: string; sdpMid: string }> = [];
  let remoteSet = false;
  const onSignal = async (s: RawSignal) => {
    if (s.kind === 'raw-candidate') {
      const c = { candidate: s.candidate, sdpMid: s.mid };
      // A candidate libdatachannel cannot use yet is not fatal: the other side's checks still
      // reach us as peer-reflexive candidates. WebRtcNet treats it the same way.
      if (remoteSet) await pc.addIceCandidate(c).catch(() => {});
      else early.push(c);
      return;
    }
    await pc.setRemoteDescription({ type: s.kind === 'raw-offer' ? 'offer' : 'answer', sdp: s.sdp });
    remoteSet = true;
    for (const c of early.splice(0)) await pc.addIceCandidate(c).catch(() => {});
    if (s.kind === 'raw-offer') {
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      sendSignal({ kind: 'raw-answer', sdp: answer.sdp ?? '' });
    }
  };
  if (role === 'offerer') {
    void (async () => {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      sendSignal({ kind: 'raw-offer', sdp: offer.sdp ?? '' });
    })();
  }
  return { pc, onSignal, channel };
}

/** Send totalBytes in frames, waiting for bufferedamountlow whenever the buffer is above high water. */
export async function pumpRaw(dc: DataChannelLike, totalBytes: number, frameBytes: number): Promise<void> {
  dc.bufferedAmountLowThreshold = DEFAULT_LINK_LIMITS.lowWaterBytes;
  const frame = new Uint8Array(frameBytes).fill(7);
  let sent = 0;
  while (sent < totalBytes) {
    if (dc.bufferedAmount >= DEFAULT_LINK_LIMITS.highWaterBytes) {
      await new Promise<void>((resolve) => (dc.onbufferedamountlow = () => resolve()));
      continue;
    }
    const n = Math.min(frameBytes, totalBytes - sent);
    dc.send(n === frameBytes ? frame : frame.subarray(0, n));
    sent += n;
  }
}
