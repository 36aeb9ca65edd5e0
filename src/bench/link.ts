// `cumulus bench link`: one-way throughput of a Cumulus link (WebRtcNet, 64 KiB frames, its own
// backpressure) against a raw node-datachannel channel (same frame size, same water marks),
// between this process and a child process on 127.0.0.1, in the same run. The Cumulus link is
// signaled through a rendezvous server started here, as a real first contact would be.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { PeerId } from '../core/id.js';
import { MAX_FRAME_BYTES } from '../core/envelope.js';
import { createServer } from '../server/app.js';
import { RealClock } from '../runtime/clock.js';
import { CryptoRng } from '../runtime/rng.js';
import { createIdentity } from '../runtime/identity.js';
import { WsSignaler, type WebSocketCtor } from '../runtime/ws-signaler.js';
import { LINK_CONNECT_RETRIES, WebRtcNet } from '../runtime/webrtc-net.js';
import { LINK_CONNECT_TIMEOUT_MS } from '../env/ports.js';
import { LOOPBACK_RTC_CONFIG, NodeRTCPeerConnection, loopbackCandidatesOnly, shutdownNodeRtc } from '../runtime/node-rtc.js';
import { pumpRaw, rawEnd, type RawEnd, type RawSignal } from './raw-channel.js';
import type { DataChannelLike } from '../runtime/link.js';
import { round } from './figures.js';

export type ParentMsg = { kind: 'expect' | 'raw-expect'; bytes: number } | { kind: 'stop' | 'raw-reset' } | RawSignal;
export type ChildMsg = { kind: 'ready'; id: string } | { kind: 'ack' } | RawSignal;

export interface LinkBenchOptions {
  /** Bytes sent one way over each channel. */
  totalBytes?: number;
  frameBytes?: number;
  /**
   * Leave node-datachannel running at the end (default false): a caller with peers of its own in
   * this process (bench storage) would otherwise see every one of their links cut.
   */
  keepRtc?: boolean;
}

export interface LinkBenchResult {
  cumulusMBps: number;
  rawMBps: number;
  ratio: number;
  totalBytes: number;
  frameBytes: number;
  cumulusSetupMs: number;
  signalsRelayed: number;
}

/** Longest a whole run may take before it is called failed. */
const BENCH_TIMEOUT_MS = 120_000;
/** The raw baseline gets what a Cumulus link gets: the same time per set-up attempt, and the same retries. */
const RAW_SETUP_TIMEOUT_MS = LINK_CONNECT_TIMEOUT_MS;
const RAW_SETUP_ATTEMPTS = 1 + LINK_CONNECT_RETRIES;
/** MB here is 10^6 bytes, as network throughput is usually quoted. */
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

export const LINK_BENCH_OPTIONS = {
  mib: { type: 'integer', default: 128, min: 1, unit: 'MiB', description: 'MiB sent one way over each channel' },
} as const;

export async function runLinkBench(opts: LinkBenchOptions = {}): Promise<LinkBenchResult> {
  const totalBytes = opts.totalBytes ?? LINK_BENCH_OPTIONS.mib.default * 1024 * 1024;
  const frameBytes = opts.frameBytes ?? MAX_FRAME_BYTES;
  const server = await createServer({ port: 0, host: '127.0.0.1' });
  const childPath = fileURLToPath(new URL('./link-child.js', import.meta.url));
  const child = fork(childPath, [server.url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const open: { net?: WebRtcNet; signaler?: WsSignaler; raw?: RawEnd; phase: string } = { phase: 'starting the child' };
  // The run fails, rather than hangs, if the child dies or the whole run takes too long.
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const failed = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`bench child exited during the run (code ${code})`)));
    watchdog = setTimeout(() => reject(new Error(`link bench took longer than ${BENCH_TIMEOUT_MS} ms (stuck ${open.phase})`)), BENCH_TIMEOUT_MS);
  });
  failed.catch(() => {});
  try {
    const ready = (await Promise.race([failed, nextMessage(child, (m) => m.kind === 'ready')])) as unknown as { id: PeerId };
    const cumulus = await Promise.race([failed, measureCumulus(server.url, child, ready.id, totalBytes, frameBytes, open)]);
    const rawMs = await Promise.race([failed, measureRaw(child, totalBytes, frameBytes, open)]);
    const cumulusMBps = mbps(totalBytes, cumulus.ms);
    const rawMBps = mbps(totalBytes, rawMs);
    return {
      cumulusMBps: round(cumulusMBps),
      rawMBps: round(rawMBps),
      ratio: round(cumulusMBps / rawMBps),
      totalBytes,
      frameBytes,
      cumulusSetupMs: Math.round(cumulus.setupMs),
      signalsRelayed: server.hub.stats.signalsRelayed,
    };
  } finally {
    clearTimeout(watchdog);
    if (child.connected) child.send({ kind: 'stop' } satisfies ParentMsg);
    open.net?.close();
    open.raw?.pc.close();
    open.signaler?.close();
    await server.close();
    await endChild(child);
    if (!opts.keepRtc) shutdownNodeRtc();
  }
}

/** Link to the child through the server, then send with the Net's own queue, waiting when full. */
async function measureCumulus(
  serverUrl: string,
  child: ChildProcess,
  childId: PeerId,
  totalBytes: number,
  frameBytes: number,
  open: { net?: WebRtcNet; signaler?: WsSignaler; phase: string },
): Promise<{ ms: number; setupMs: number }> {
  open.phase = 'joining the server';
  const clock = new RealClock();
  const identity = createIdentity(new CryptoRng());
  const signaler = (open.signaler = await WsSignaler.connect(serverUrl, identity, { clock, WebSocket: WebSocket as unknown as WebSocketCtor }));
  const net = (open.net = new WebRtcNet({ identity, clock, signaler, RTCPeerConnection: NodeRTCPeerConnection, rtcConfig: LOOPBACK_RTC_CONFIG, candidateFilter: loopbackCandidatesOnly }));
  const setupStart = performance.now();
  const done = { resolve: () => {} };
  const up = new Promise<void>((resolve, reject) =>
    net.setHandler({
      onLinkUp: () => resolve(),
      onLinkDown: (_p, reason) => reject(new Error(`cumulus link went down: ${reason}`)),
      onMessage: () => done.resolve(),
    }),
  );
  open.phase = 'setting up the cumulus link';
  net.connect(childId);
  await up;
  open.phase = 'sending over the cumulus link';
  const setupMs = performance.now() - setupStart;
  child.send({ kind: 'expect', bytes: totalBytes } satisfies ParentMsg);
  await nextMessage(child, (m) => m.kind === 'ack');
  const frame = new Uint8Array(frameBytes).fill(7);
  const finished = new Promise<void>((r) => (done.resolve = r));
  const t0 = performance.now();
  for (let sent = 0; sent < totalBytes; ) {
    const n = Math.min(frameBytes, totalBytes - sent);
    try {
      net.send(childId, n === frameBytes ? frame : frame.subarray(0, n));
      sent += n;
    } catch {
      await net.whenWritable(childId);
    }
  }
  await finished;
  return { ms: performance.now() - t0, setupMs };
}

/** A bare channel signaled over IPC: same frames, same water marks, same set-up timeout and retry. */
async function measureRaw(child: ChildProcess, totalBytes: number, frameBytes: number, open: { raw?: RawEnd; phase: string }): Promise<number> {
  open.phase = 'setting up the raw channel';
  child.on('message', (m: ChildMsg) => {
    if (m.kind !== 'ready' && m.kind !== 'ack') void open.raw?.onSignal(m);
  });
  let dc: DataChannelLike | null = null;
  for (let attempt = 1; !dc && attempt <= RAW_SETUP_ATTEMPTS; attempt++) {
    if (attempt > 1) {
      open.raw?.pc.close();
      child.send({ kind: 'raw-reset' } satisfies ParentMsg);
      await nextMessage(child, (m) => m.kind === 'ack');
    }
    const raw = (open.raw = rawEnd('offerer', (s) => child.send(s satisfies ParentMsg)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<null>((r) => (timer = setTimeout(() => r(null), RAW_SETUP_TIMEOUT_MS)));
    dc = await Promise.race([raw.channel, timedOut]);
    clearTimeout(timer);
  }
  if (!dc) throw new Error(`raw channel did not open in ${RAW_SETUP_ATTEMPTS} attempts`);
  const channel = dc;
  open.phase = 'sending over the raw channel';
  child.send({ kind: 'raw-expect', bytes: totalBytes } satisfies ParentMsg);
  await nextMessage(child, (m) => m.kind === 'ack');
  const finished = new Promise<void>((r) => (channel.onmessage = () => r()));
  const t0 = performance.now();
  await pumpRaw(channel, totalBytes, frameBytes);
  await finished;
  return performance.now() - t0;
}

function nextMessage(child: ChildProcess, pred: (m: ChildMsg) => boolean): Promise<ChildMsg> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: ChildMsg) => {
      if (!pred(m)) return;
      child.off('message', onMsg);
      resolve(m);
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`bench child exited early (code ${code})`)));
  });
}

/** Wait briefly for the child to exit on its own, then end it by its pid. */
async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 3000);
  if (child.pid !== undefined && !child.connected) process.kill(child.pid, 'SIGTERM');
  await exited;
  clearTimeout(timer);
}
