// Which way the RoutedSignaler sends an offer: the overlay once the peer may use it, the server
// before that, and the server again for a peer whose last offer through the overlay gave no link.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { SIGNAL_VERSION } from './messages.js';
import type { SignalMessage, Signaler } from './messages.js';
import { RoutedSignaler, type OverlayPath } from './routed.js';

const SELF = 'a'.repeat(40) as PeerId;
const PEER = 'b'.repeat(40) as PeerId;

class Recorder implements Signaler {
  readonly sent: Array<{ to: PeerId; sid: string }> = [];
  readonly stats = { unroutable: 0 };
  send(to: PeerId, msg: SignalMessage): void {
    this.sent.push({ to, sid: msg.sid });
  }
  setHandler(): void {}
}

const offer = (sid: string): SignalMessage => ({ v: SIGNAL_VERSION, type: 'offer', sid, sdp: 'v=0', publicKey: 'c'.repeat(64), sig: 'd'.repeat(128) });

function setup(ready: () => boolean) {
  const server = new Recorder();
  const overlay: Recorder & OverlayPath = new Recorder();
  const s = new RoutedSignaler(SELF);
  s.setServer(server);
  s.setOverlay(overlay, ready);
  return { s, server, overlay };
}

describe('RoutedSignaler', () => {
  it('sends offers through the server until the overlay may be used, then through the overlay', () => {
    let ready = false;
    const { s, server, overlay } = setup(() => ready);
    s.send(PEER, offer('s1'));
    ready = true;
    s.linkUp(PEER);
    s.send(PEER, offer('s2'));
    expect(server.sent.map((m) => m.sid)).toEqual(['s1']);
    expect(overlay.sent.map((m) => m.sid)).toEqual(['s2']);
    expect(s.stats.linksViaServer).toBe(1);
  });

  it('sends a new offer through the server when the last one through the overlay gave no link', () => {
    const { s, server, overlay } = setup(() => true);
    s.send(PEER, offer('s1'));
    // No link came of s1: the retry takes the server, and the one after a link the overlay again.
    s.send(PEER, offer('s2'));
    s.linkUp(PEER);
    s.send(PEER, offer('s3'));
    expect(overlay.sent.map((m) => m.sid)).toEqual(['s1', 's3']);
    expect(server.sent.map((m) => m.sid)).toEqual(['s2']);
    expect([s.stats.linksViaServer, s.stats.linksViaOverlay]).toEqual([1, 0]);
  });

  it('keeps to the overlay when the server is gone', () => {
    const { s, overlay } = setup(() => true);
    s.setServer(null);
    s.send(PEER, offer('s1'));
    s.send(PEER, offer('s2'));
    expect(overlay.sent.map((m) => m.sid)).toEqual(['s1', 's2']);
    expect(s.hasServer()).toBe(false);
  });
});
