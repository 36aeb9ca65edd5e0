// Proves a link moves onto a second connection (the upgrade of a relayed link to a direct one)
// with real node-datachannel links on loopback: no link-down, no second link-up, every frame
// delivered once and in order both ways while the move happens, the old connection closed after;
// and that a direct attempt that gets no answer leaves the link as it was; and how often tries are made.
import { afterAll, describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import type { NetHandler } from '../env/ports.js';
import { MemorySignalHub } from './memory-signaler.js';
import { loopbackNet } from './test-util/loopback.js';
import { NodeRTCPeerConnection, shutdownNodeRtc } from './node-rtc.js';
import { createIdentity } from './identity.js';
import { CryptoRng } from './rng.js';
import type { PeerConnectionCtor, PeerConnectionLike, WebRtcNet } from './webrtc-net.js';
import { SendQueueFullError } from './link.js';
import { directOnlyConfig, UPGRADE_FAILURES_TO_PAUSE, UPGRADE_RETRY_MS, UpgradeTries } from './link-upgrade.js';
import type { Signaler } from '../services/signal/messages.js';

interface Made {
  pc: PeerConnectionLike;
  config: Record<string, unknown>;
  closed: boolean;
}

/** node-datachannel's RTCPeerConnection, noting each one made and whether it was closed. */
function recordingCtor(made: Made[]): PeerConnectionCtor {
  return function Recording(config: Record<string, unknown>) {
    const pc = new NodeRTCPeerConnection(config);
    const entry: Made = { pc, config, closed: false };
    const close = pc.close.bind(pc);
    pc.close = () => {
      entry.closed = true;
      close();
    };
    made.push(entry);
    return pc;
  } as unknown as PeerConnectionCtor;
}

interface Seen {
  ups: PeerId[];
  downs: PeerId[];
  seqs: number[];
}

function watch(net: WebRtcNet): Seen {
  const seen: Seen = { ups: [], downs: [], seqs: [] };
  const h: NetHandler = {
    onLinkUp: (peer) => seen.ups.push(peer),
    onLinkDown: (peer) => seen.downs.push(peer),
    onMessage: (_peer, frame) => seen.seqs.push(new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0)),
  };
  net.setHandler(h);
  return seen;
}

async function until(cond: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Send numbered 16 KiB frames in bursts until `stop` says so, then `tail` more; returns how many. */
async function pump(from: WebRtcNet, to: PeerId, stop: () => boolean, tail: number): Promise<number> {
  let seq = 0;
  let after = -1;
  while (after < tail) {
    for (let i = 0; i < 16; i++) {
      const f = new Uint8Array(16 * 1024);
      new DataView(f.buffer).setUint32(0, seq);
      try {
        if (!from.send(to, f)) throw new Error('the link is gone');
        seq++;
      } catch (e) {
        if (!(e instanceof SendQueueFullError)) throw e;
        await from.whenWritable(to);
      }
    }
    if (after >= 0) after += 16;
    else if (stop()) after = 0;
    await new Promise((r) => setTimeout(r, 2));
  }
  return seq;
}

const nets: WebRtcNet[] = [];
function make(signaler: (id: PeerId) => Signaler, made: Made[], connectTimeoutMs = 5_000): WebRtcNet {
  const id = createIdentity(new CryptoRng());
  const net = loopbackNet(signaler(id.id), id, { RTCPeerConnection: recordingCtor(made), connectTimeoutMs });
  nets.push(net);
  return net;
}

afterAll(() => {
  for (const n of nets) n.close();
  shutdownNodeRtc();
});

describe('moving a link onto a direct connection', () => {
  it('keeps one link, in order and whole both ways, and closes the old connection', async () => {
    const hub = new MemorySignalHub();
    const madeA: Made[] = [];
    const madeB: Made[] = [];
    const a = make((id) => hub.signaler(id), madeA);
    const b = make((id) => hub.signaler(id), madeB);
    const seenA = watch(a);
    const seenB = watch(b);
    a.connect(b.self);
    await until(() => a.isLinked(b.self) && b.isLinked(a.self), 'the first link');

    let asked = false;
    const moved = () => a.stats.linkUpgrades === 1 && b.stats.linkUpgrades === 1;
    const [sentAB, sentBA] = await Promise.all([
      pump(a, b.self, () => {
        if (!asked) asked = a.tryDirect(b.self);
        return moved();
      }, 200),
      pump(b, a.self, moved, 200),
    ]);
    await until(() => seenB.seqs.length >= sentAB && seenA.seqs.length >= sentBA, 'every frame');
    expect(seenB.seqs).toEqual(Array.from({ length: sentAB }, (_, i) => i));
    expect(seenA.seqs).toEqual(Array.from({ length: sentBA }, (_, i) => i));
    expect([seenA.ups, seenB.ups]).toEqual([[b.self], [a.self]]);
    expect([seenA.downs, seenB.downs]).toEqual([[], []]);
    expect([a.stats.setups, b.stats.setups, a.stats.upgradeTries, a.stats.upgradeFailures]).toEqual([2, 2, 1, 0]);

    // The first connections close once both switch markers went through; the link carries on.
    await until(() => madeA[0]!.closed && madeB[0]!.closed, 'the old connections to close');
    expect([madeA[1]!.closed, madeB[1]!.closed]).toEqual([false, false]);
    const f = new Uint8Array(8);
    new DataView(f.buffer).setUint32(0, sentAB);
    expect(a.send(b.self, f)).toBe(true);
    await until(() => seenB.seqs.length === sentAB + 1, 'a frame on the new connection');
    expect(seenB.seqs.at(-1)).toBe(sentAB);
    expect([seenA.downs, seenB.downs, a.stats.linksClosed, b.stats.linksClosed]).toEqual([[], [], 0, 0]);
  }, 60_000);

  it('leaves the link as it was when the direct attempt gets no answer', async () => {
    const hub = new MemorySignalHub();
    // b's side of the hub never delivers an upgrade offer: a's attempt times out.
    const deaf = (id: PeerId): Signaler => {
      const inner = hub.signaler(id);
      return {
        send: (to, msg) => inner.send(to, msg),
        setHandler: (fn) => inner.setHandler((from, msg) => (msg.type === 'offer' && msg.upgrade ? undefined : fn(from, msg))),
      };
    };
    const a = make((id) => hub.signaler(id), [], 1_000);
    const b = make(deaf, []);
    const seenA = watch(a);
    const seenB = watch(b);
    a.connect(b.self);
    await until(() => a.isLinked(b.self) && b.isLinked(a.self), 'the first link');
    expect(a.tryDirect(b.self)).toBe(true);
    expect(a.tryDirect(b.self)).toBe(false);
    await until(() => a.stats.upgradeFailures === 1, 'the attempt to fail');
    const f = new Uint8Array(8);
    expect(a.send(b.self, f)).toBe(true);
    await until(() => seenB.seqs.length === 1, 'a frame on the old link');
    expect([seenA.downs, seenB.downs, a.stats.linkUpgrades, b.stats.linkUpgrades]).toEqual([[], [], 0, 0]);
  }, 30_000);

  it('drops TURN servers, and only them, from a direct attempt', () => {
    const config = {
      bindAddress: '127.0.0.1',
      iceServers: [
        { urls: ['stun:192.0.2.1:3478', 'turn:192.0.2.1:3478?transport=udp'], username: 'u', credential: 'c' },
        { urls: 'turns:192.0.2.1:5349' },
      ],
    };
    expect(directOnlyConfig(config)).toEqual({
      bindAddress: '127.0.0.1',
      iceTransportPolicy: 'all',
      iceServers: [{ urls: ['stun:192.0.2.1:3478'], username: 'u', credential: 'c' }],
    });
  });
});

describe('which relayed links are tried again', () => {
  it('tries each peer once an hour, and pauses after three failures in a row', () => {
    const tries = new UpgradeTries();
    const peers = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64) as PeerId);
    expect(tries.take(peers[0]!, 0)).toBe(true);
    expect(tries.take(peers[0]!, UPGRADE_RETRY_MS - 1)).toBe(false);
    expect(tries.take(peers[0]!, UPGRADE_RETRY_MS)).toBe(true);
    // Two failures, a success, then three failures: only the last three pause the tries.
    tries.failed(0);
    tries.failed(0);
    tries.succeeded();
    tries.failed(10);
    tries.failed(10);
    expect(tries.take(peers[1]!, 10)).toBe(true);
    tries.failed(10);
    expect(UPGRADE_FAILURES_TO_PAUSE).toBe(3);
    expect(tries.take(peers[2]!, 20)).toBe(false);
    expect(tries.take(peers[2]!, 10 + UPGRADE_RETRY_MS)).toBe(true);
  });
});
