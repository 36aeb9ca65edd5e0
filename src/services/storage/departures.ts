// Noticing that a holder departed, and telling the sKeepers of what it held. Each peer keeps the
// summaries its predecessors push (summary.ts): the sKeeper keys of the files whose chunks they
// hold. A summarised peer has departed when the ring says it failed ('peer-gone' with failed: its
// link failed, or it stopped answering the ring's pings), and when the ring says it left or when it
// lies between our predecessor and us (its successor and it failed together, and our range grew
// over both) and it is not linked to us a moment later. Then the keys of its
// summary, sorted, go out in departure notices: each is routed to the owner of its first key,
// which repairs the files it owns among them and says how many leading keys it took, so a notice
// costs one routed request per distinct sKeeper. See docs/storage.md, "Repair that reacts".
import { idFromHex, inInterval, type PeerId } from '../../core/id.js';
import type { Clock, TimerHandle } from '../../env/ports.js';
import type { RingPort } from '../../overlay/port.js';
import { DEPARTURE_CHECK_MS, DEPARTURE_WATCH_MS, GONE_NOTICE_ATTEMPTS, GONE_NOTICE_RETRY_MS, GONE_NOTICES_IN_FLIGHT, MAX_GONE_KEYS, MAX_HELD_SUMMARIES, MAX_SUMMARY_KEYS, SUMMARY_TTL_PERIODS } from './constants.js';
import type { RequestBody, ReplyBody } from './messages.js';
import { pool } from '../../core/pool.js';
import { call } from './rpc.js';

interface HeldSummary {
  keys: Set<string>;
  /** When its holder last pushed it (a holder pushes the whole of it every repair period). */
  atMs: number;
}

export class Departures {
  readonly counters = { summariesHeld: 0, departures: 0, notices: 0, noticeKeys: 0, noticesFailed: 0 };
  private readonly held = new Map<PeerId, HeldSummary>();
  /**
   * Peers the ring said failed: their link failed, or they stopped answering the ring's pings.
   * That is enough, whether or not our link to the peer still looks up: a killed process's WebRTC
   * link stays up until its dead-link timer (about 20 s), and a departure noticed that late can
   * cost a chunk's last copy under churn. A peer alive after all costs its sKeepers a probe it
   * answers.
   */
  private readonly failed = new Set<PeerId>();
  /**
   * Peers that said they leave, or closed their link on us, or that our range grew over, with when
   * we first heard: each departed once our link to it is down, and is checked every
   * DEPARTURE_CHECK_MS for up to DEPARTURE_WATCH_MS. A leaver closes its links a moment after its
   * leave message; a live neighbour that only closed a link on us is linked again by then.
   */
  private readonly watched = new Map<PeerId, number>();
  private timer: TimerHandle | undefined;
  private offs: Array<() => void> = [];

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly timeoutMs: number,
  ) {}

  start(): void {
    if (this.offs.length > 0) return;
    this.offs.push(this.ring.events.on('peer-gone', ({ peer, failed }) => {
      if (!this.held.has(peer)) return;
      if (failed) this.failed.add(peer);
      else if (!this.watched.has(peer)) this.watched.set(peer, this.clock.now());
      this.schedule();
    }));
    this.offs.push(this.ring.events.on('predecessor-changed', () => this.schedule()));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
  }

  /** A predecessor pushes (part of) its summary. */
  summary(from: PeerId, b: RequestBody<'summary'>): ReplyBody<'summary'> {
    let h = this.held.get(from);
    if (!h) {
      if (this.held.size >= MAX_HELD_SUMMARIES) this.evict();
      this.held.set(from, (h = { keys: new Set(), atMs: 0 }));
    }
    if (b.reset) h.keys.clear();
    for (const k of b.keys) if (h.keys.size < MAX_SUMMARY_KEYS) h.keys.add(k);
    h.atMs = this.clock.now();
    this.counters.summariesHeld = this.held.size;
    return { ok: true };
  }

  /** Drop the summary of the peer farthest behind us: the nearest predecessors' matter most. */
  private evict(): void {
    const self = idFromHex(this.ring.self);
    let far: PeerId | undefined;
    for (const p of this.held.keys()) {
      if (far === undefined || inInterval(idFromHex(far), idFromHex(p), self)) far = p;
    }
    if (far !== undefined) this.held.delete(far);
  }

  private schedule(): void {
    if (this.timer !== undefined || this.offs.length === 0) return;
    this.timer = this.clock.setTimer(DEPARTURE_CHECK_MS, () => {
      this.timer = undefined;
      this.check();
    });
  }

  /** Which summarised peers have departed; tell the sKeepers of each. */
  private check(): void {
    const now = this.clock.now();
    const pred = this.ring.predecessor();
    const self = idFromHex(this.ring.self);
    for (const [peer, h] of this.held) {
      if (now - h.atMs > SUMMARY_TTL_PERIODS * this.periodMs) {
        this.held.delete(peer);
        continue;
      }
      if (peer === this.ring.self) continue;
      if (!this.failed.has(peer)) {
        const behindUs = pred !== null && pred !== this.ring.self && inInterval(idFromHex(peer), idFromHex(pred), self);
        if (!behindUs && !this.watched.has(peer)) continue;
        if (this.ring.isLinked(peer)) {
          if (!this.watched.has(peer)) this.watched.set(peer, now);
          continue;
        }
      }
      this.failed.delete(peer);
      this.watched.delete(peer);
      this.held.delete(peer);
      this.counters.departures++;
      void this.notify(peer, [...h.keys]).catch(() => undefined);
    }
    this.failed.clear();
    // Keep watching the peers still linked (their summary kept), for a while.
    for (const [peer, sinceMs] of this.watched) if (!this.held.has(peer) || now - sinceMs > DEPARTURE_WATCH_MS) this.watched.delete(peer);
    if (this.watched.size > 0) this.schedule();
    this.counters.summariesHeld = this.held.size;
  }

  /** Send the departure notices for one peer. */
  private notify(peer: PeerId, keys: string[]): Promise<void> {
    return sendGoneNotices(this.ring, this.clock, this.timeoutMs, this.counters, peer, keys);
  }
}

/**
 * Send the departure notices for one peer: its keys in ring order, a batch per notice lane, each
 * routed to the owner of its first key left. A peer that moved its own chunks away (shed.ts) sends
 * them about itself, so the sKeepers record the chunks' new holders now rather than at their next
 * periodic round.
 */
export async function sendGoneNotices(
  ring: RingPort, clock: Clock, timeoutMs: number, counters: { notices: number; noticesFailed: number; noticeKeys: number }, peer: PeerId, keys: string[],
): Promise<void> {
  keys.sort();
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += MAX_GONE_KEYS) batches.push(keys.slice(i, i + MAX_GONE_KEYS));
  await pool(batches, GONE_NOTICES_IN_FLIGHT, async (batch) => {
    // Each notice goes to the owner of the first key left; it takes the keys it owns from there.
    let failures = 0;
    while (batch.length > 0) {
      counters.notices++;
      let taken = 1;
      try {
        const r = await call(ring, idFromHex(batch[0]!), 'gone', { peer, keys: batch }, timeoutMs);
        taken = Math.max(1, r.body.handled);
        failures = 0;
      } catch {
        // Its owner is changing (a new owner answers NOT_OWNER until the hand-over) or unreachable:
        // try again a moment later, a few times, before leaving that file to the periodic pass.
        counters.noticesFailed++;
        if (++failures < GONE_NOTICE_ATTEMPTS) {
          await new Promise<void>((resolve) => clock.setTimer(GONE_NOTICE_RETRY_MS, resolve));
          continue;
        }
        failures = 0;
      }
      counters.noticeKeys += Math.min(taken, batch.length);
      batch = batch.slice(taken);
    }
  });
}
