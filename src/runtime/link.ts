// One open link to a neighbour: a single ordered, reliable data channel. Every message on the
// channel is one byte of kind followed by the payload, so keep-alives never reach the overlay.
// This file holds the per-link policy: frame size, send-side backpressure from bufferedAmount,
// and the receive-side checks that disconnect a peer that sends garbage, oversize frames or floods.
import type { PeerId } from '../core/id.js';
import type { Clock } from '../env/ports.js';
import { CumulusError, FrameTooLargeError } from '../core/errors.js';
import { MAX_FRAME_BYTES } from '../core/envelope.js';

/** The minimal RTCDataChannel surface we use; the browser's and node-datachannel's both fit. */
export interface DataChannelLike {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: string;
  send(data: Uint8Array): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onbufferedamountlow: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export const FRAME_KIND_DATA = 0;
export const FRAME_KIND_PING = 1;
/**
 * The last frame a link sends on a channel it is leaving for a better one (link-upgrade.ts): the
 * receiver holds what arrives on the new channel until this one, so frames stay in order.
 */
export const FRAME_KIND_SWITCH = 2;
/** Header bytes in front of every payload. */
export const FRAME_HEADER_BYTES = 1;

/**
 * An idle link sends a ping this often, so the other side's dead-link check hears from us; a
 * frame per 2 s per link is nothing beside the traffic a link carries, and a hidden tab's timers
 * still fire once a second.
 */
export const KEEP_ALIVE_INTERVAL_MS = 2_000;
/**
 * A link that has received nothing for this long (five keep-alive periods) is dropped as dead: a
 * killed process leaves its data channel open on our side until then, and the ring keeps routing
 * over it, losing each frame. Short enough that a holder killed in a wave of departures is noticed
 * well before the next wave; long enough to ride out a busy peer's event-loop stalls of a few seconds.
 */
export const DEAD_LINK_MS = 5 * KEEP_ALIVE_INTERVAL_MS;
/**
 * A link on which we sent data and have heard nothing since, for this long, is dropped as dead: a
 * live peer answers or pings at least every keep-alive period (plus its one-second tick), so after
 * two and a half periods of silence the data went into a killed process's open channel. This
 * bounds how long the ring routes requests into a dead peer to about 5 s while the link is in use.
 */
export const UNANSWERED_LINK_MS = 5_000;

export interface LinkLimits {
  /** Largest payload send() accepts and the receiver tolerates. */
  maxFrameBytes: number;
  /** send() hands frames to the channel while its bufferedAmount stays below this. */
  highWaterBytes: number;
  /** The channel tells us to resume when bufferedAmount falls to this. */
  lowWaterBytes: number;
  /** Bytes we hold above the channel's own buffer before send() refuses. */
  maxQueuedBytes: number;
  /** Inbound frames a peer may send per second, sustained, before it counts as a flood. */
  maxInboundFramesPerSec: number;
  /** Inbound frames a peer may send in one burst. */
  inboundBurstFrames: number;
}

export const DEFAULT_LINK_LIMITS: LinkLimits = {
  maxFrameBytes: MAX_FRAME_BYTES,
  highWaterBytes: 1024 * 1024,
  lowWaterBytes: 256 * 1024,
  maxQueuedBytes: 8 * 1024 * 1024,
  maxInboundFramesPerSec: 5000,
  inboundBurstFrames: 20_000,
};

/** send() on a link whose queue is full: the caller must slow down (await fewer in flight). */
export class SendQueueFullError extends CumulusError {
  constructor(peer: string, queuedBytes: number, limitBytes: number) {
    super('REFUSED', `send queue to ${peer} is full (${queuedBytes} of ${limitBytes} bytes queued)`, { peer, queuedBytes, limitBytes });
  }
}

export type Misbehaviour = 'garbage' | 'oversize' | 'flood';

export interface LinkEvents {
  onFrame(peer: PeerId, payload: Uint8Array): void;
  onMisbehaviour(peer: PeerId, what: Misbehaviour): void;
  /** The peer sent its last frame on this channel: what follows comes on its replacement. */
  onSwitch?(peer: PeerId): void;
}

export class Link {
  lastSentMs: number;
  lastReceivedMs: number;
  /** When we sent the first data frame that nothing from the peer has followed yet; null once it spoke. */
  unansweredSinceMs: number | null = null;
  framesSent = 0;
  framesReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  private readonly queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private tokens: number;
  private tokensAtMs: number;
  private closed = false;
  private drainWaiters: Array<() => void> = [];
  private readonly scratch: Uint8Array;
  /** Frames received while held (see holdInbound), in order, and their bytes. */
  private held: Uint8Array[] | null = null;
  private heldBytes = 0;

  constructor(
    readonly peer: PeerId,
    readonly channel: DataChannelLike,
    private readonly clock: Clock,
    private readonly limits: LinkLimits,
    private readonly events: LinkEvents,
  ) {
    const now = clock.now();
    this.lastSentMs = now;
    this.lastReceivedMs = now;
    this.tokens = limits.inboundBurstFrames;
    this.tokensAtMs = now;
    this.scratch = new Uint8Array(limits.maxFrameBytes + FRAME_HEADER_BYTES);
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = limits.lowWaterBytes;
    channel.onbufferedamountlow = () => this.flush();
    channel.onmessage = (ev) => this.receive(ev.data);
  }

  /** Queue one payload; throws FrameTooLargeError or SendQueueFullError, false if closed. */
  send(payload: Uint8Array): boolean {
    if (payload.length > this.limits.maxFrameBytes) throw new FrameTooLargeError(payload.length, this.limits.maxFrameBytes);
    if (this.closed || this.channel.readyState !== 'open') return false;
    const size = payload.length + FRAME_HEADER_BYTES;
    if (this.queueLength() === 0 && this.channel.bufferedAmount < this.limits.highWaterBytes) {
      // The fast path: RTCDataChannel.send copies the bytes before it returns (browsers by the
      // spec, node-datachannel into its native buffer), so one scratch buffer serves every frame.
      const framed = this.scratch.subarray(0, size);
      framed[0] = FRAME_KIND_DATA;
      framed.set(payload, FRAME_HEADER_BYTES);
      this.write(framed);
    } else {
      if (this.queuedBytes + size > this.limits.maxQueuedBytes && this.queueLength() > 0) {
        throw new SendQueueFullError(this.peer, this.queuedBytes, this.limits.maxQueuedBytes);
      }
      const framed = new Uint8Array(size);
      framed[0] = FRAME_KIND_DATA;
      framed.set(payload, FRAME_HEADER_BYTES);
      this.queue.push(framed);
      this.queuedBytes += size;
    }
    this.framesSent++;
    this.bytesSent += payload.length;
    if (this.unansweredSinceMs === null) this.unansweredSinceMs = this.clock.now();
    return true;
  }

  sendPing(): void {
    if (this.closed || this.channel.readyState !== 'open' || this.queueLength() > 0) return;
    this.write(Uint8Array.of(FRAME_KIND_PING));
  }

  /**
   * Send the switch marker after everything queued: the last frame of this channel. Data frames
   * sent after it would overtake nothing, but none are: the link's owner sends on the new one.
   */
  sendSwitch(): void {
    if (this.closed || this.channel.readyState !== 'open') return;
    const marker = Uint8Array.of(FRAME_KIND_SWITCH);
    if (this.queueLength() === 0) return this.write(marker);
    this.queue.push(marker);
    this.queuedBytes += marker.length;
  }

  /** Whether everything given to send() (and the switch marker) has left our queue and the channel's buffer. */
  drained(): boolean {
    return this.queueLength() === 0 && (this.closed || this.channel.bufferedAmount === 0);
  }

  /**
   * Keep inbound data frames instead of passing them on, until releaseInbound(): a replacement
   * channel may deliver the peer's newer frames before the old one has delivered its last. At most
   * `maxQueuedBytes` are held; past that they are released (the old channel is stuck).
   */
  holdInbound(): void {
    this.held ??= [];
  }

  releaseInbound(): void {
    const held = this.held;
    this.held = null;
    this.heldBytes = 0;
    for (const payload of held ?? []) {
      if (this.closed) return;
      this.events.onFrame(this.peer, payload);
    }
  }

  /** Resolves once the queue is at most half full (or the link closed): room to send again. */
  whenWritable(): Promise<void> {
    if (this.closed || this.queuedBytes <= this.limits.maxQueuedBytes / 2) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  queueLength(): number {
    return this.queue.length - this.queueHead;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    for (const w of this.drainWaiters.splice(0)) w();
    this.channel.onmessage = null;
    this.channel.onbufferedamountlow = null;
    try {
      this.channel.close();
    } catch {
      // A channel that is already closing may throw; it ends up closed either way.
    }
  }

  /** Hand queued frames to the channel while its buffer is below the high-water mark. */
  private flush(): void {
    while (!this.closed && this.queueHead < this.queue.length && this.channel.readyState === 'open' && this.channel.bufferedAmount < this.limits.highWaterBytes) {
      const framed = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = EMPTY;
      this.queuedBytes -= framed.length;
      this.write(framed);
    }
    // Compact now and then so the array does not grow with everything ever sent.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.drainWaiters.length > 0 && this.queuedBytes <= this.limits.maxQueuedBytes / 2) for (const w of this.drainWaiters.splice(0)) w();
  }

  private write(framed: Uint8Array): void {
    try {
      this.channel.send(framed);
      this.lastSentMs = this.clock.now();
    } catch {
      // The channel closed under us; its close event tears the link down.
    }
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    this.lastReceivedMs = this.clock.now();
    this.unansweredSinceMs = null;
    if (!this.takeToken()) return this.events.onMisbehaviour(this.peer, 'flood');
    if (!(data instanceof ArrayBuffer)) return this.events.onMisbehaviour(this.peer, 'garbage');
    if (data.byteLength > this.limits.maxFrameBytes + FRAME_HEADER_BYTES) return this.events.onMisbehaviour(this.peer, 'oversize');
    const bytes = new Uint8Array(data);
    if (bytes.length === 0) return this.events.onMisbehaviour(this.peer, 'garbage');
    if (bytes.length === 1 && bytes[0] === FRAME_KIND_PING) return;
    if (bytes.length === 1 && bytes[0] === FRAME_KIND_SWITCH) return this.events.onSwitch?.(this.peer);
    if (bytes[0] !== FRAME_KIND_DATA) return this.events.onMisbehaviour(this.peer, 'garbage');
    this.framesReceived++;
    this.bytesReceived += bytes.length - FRAME_HEADER_BYTES;
    const payload = bytes.subarray(FRAME_HEADER_BYTES);
    if (this.held === null) return this.events.onFrame(this.peer, payload);
    this.held.push(payload);
    this.heldBytes += payload.length;
    if (this.heldBytes > this.limits.maxQueuedBytes) this.releaseInbound();
  }

  /** A token bucket on inbound frames: refills at maxInboundFramesPerSec up to the burst size. */
  private takeToken(): boolean {
    const now = this.clock.now();
    const refill = ((now - this.tokensAtMs) / 1000) * this.limits.maxInboundFramesPerSec;
    this.tokens = Math.min(this.limits.inboundBurstFrames, this.tokens + refill);
    this.tokensAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const EMPTY = new Uint8Array(0);
