// The receiving process of the link bench. It joins the rendezvous server with a fresh identity,
// accepts one Cumulus link and one raw data channel, counts bytes, and answers "done" over each
// when it has all it was told to expect. The parent talks to it over the IPC channel.
import WebSocket from 'ws';
import { RealClock } from '../runtime/clock.js';
import { CryptoRng } from '../runtime/rng.js';
import { createIdentity } from '../runtime/identity.js';
import { WsSignaler, type WebSocketCtor } from '../runtime/ws-signaler.js';
import { WebRtcNet } from '../runtime/webrtc-net.js';
import { LOOPBACK_RTC_CONFIG, NodeRTCPeerConnection, loopbackCandidatesOnly, shutdownNodeRtc } from '../runtime/node-rtc.js';
import { rawEnd, type RawSignal } from './raw-channel.js';
import type { ParentMsg, ChildMsg } from './link.js';

async function main(serverUrl: string): Promise<void> {
  const clock = new RealClock();
  const identity = createIdentity(new CryptoRng());
  const signaler = await WsSignaler.connect(serverUrl, identity, { clock, WebSocket: WebSocket as unknown as WebSocketCtor });
  const net = new WebRtcNet({ identity, clock, signaler, RTCPeerConnection: NodeRTCPeerConnection, rtcConfig: LOOPBACK_RTC_CONFIG, candidateFilter: loopbackCandidatesOnly });
  const tell = (m: ChildMsg) => process.send!(m);
  let expectBytes = Infinity;
  let got = 0;
  net.setHandler({
    onLinkUp: () => {},
    onLinkDown: () => {},
    onMessage: (peer, frame) => {
      got += frame.length;
      if (got >= expectBytes) net.send(peer, Uint8Array.of(1));
    },
  });
  let rawGot = 0;
  let rawExpect = Infinity;
  const newRaw = () => {
    const r = rawEnd('answerer', (s) => tell(s));
    void r.channel.then((dc) => {
      dc.onmessage = (ev) => {
        rawGot += (ev.data as ArrayBuffer).byteLength;
        if (rawGot >= rawExpect) dc.send(Uint8Array.of(1));
      };
    });
    return r;
  };
  let raw = newRaw();
  process.on('message', (m: ParentMsg) => {
    if (m.kind === 'expect') {
      expectBytes = m.bytes;
      got = 0;
      tell({ kind: 'ack' });
    } else if (m.kind === 'raw-expect') {
      rawExpect = m.bytes;
      rawGot = 0;
      tell({ kind: 'ack' });
    } else if (m.kind === 'raw-reset') {
      raw.pc.close();
      raw = newRaw();
      tell({ kind: 'ack' });
    } else if (m.kind === 'stop') {
      net.close();
      raw.pc.close();
      signaler.close();
      shutdownNodeRtc();
      process.exit(0);
    } else {
      void raw.onSignal(m as RawSignal);
    }
  });
  tell({ kind: 'ready', id: identity.id });
}

main(process.argv[2] ?? '').catch((e) => {
  process.stderr.write(`link bench child: ${(e as Error).message}\n`);
  process.exit(1);
});
