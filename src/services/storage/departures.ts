// Noticing that a holder departed, and telling the sKeepers of what it held. Each peer keeps the
// summaries its predecessors push (summary.ts): the sKeeper keys of the files whose chunks they
// hold. A summarised peer has departed when the ring says so ('peer-gone': it left, or its link
// failed) or when it lies between our predecessor and us (its successor and it failed together,
// and our range grew over both), and it is not linked to us a moment later. Then the keys of its
// summary, sorted, go out in departure notices: each is routed to the owner of its first key,
// which repairs the files it owns among them and says how many leading keys it took, so a notice
// costs one routed request per distinct sKeeper. See docs/storage.md, "Repair that reacts".
import { idFromHex, inInterval, type PeerId } from '../../core/id.js';
import type { Clock, TimerHandle } from '../../env/ports.js';
import type { RingPort } from '../../overlay/port.js';
import { DEPARTURE_CHECK_MS, DEPARTURE_WATCH_MS, GONE_NOTICE_ATTEMPTS, GONE_NOTICE_RETRY_MS, GONE_NOTICES_IN_FLIGHT, MAX_GONE_KEYS, MAX_HELD_SUMMARIES, MAX_SUMMARY_KEYS, SUMMARY_TTL_PERIODS } from './constants.js';
import type { RequestBody, ReplyBody } from './messages.js';
import { pool } from './repair.js';
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
   * Peers the ring said are gone, with when it first said so. One whose link still looks up is
   * watched (checked every DEPARTURE_CHECK_MS) until the link closes or DEPARTURE_WATCH_MS pass: a
   * killed process's link stays up until the link's dead-link timer, well after the ring has
   * dropped it, and a departure seen only once would be missed.
   */
  private readonly named = new Map<PeerId, number>();
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
    this.offs.push(this.ring.events.on('peer-gone', ({ peer }) => {
      if (!this.held.has(peer)) return;
      if (!this.named.has(peer)) this.named.set(peer, this.clock.now());
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
      const behindUs = pred !== null && pred !== this.ring.self && inInterval(idFromHex(peer), idFromHex(pred), self);
      if (peer === this.ring.self || !(this.named.has(peer) || behindUs)) continue;
      if (this.ring.isLinked(peer)) {
        if (!this.named.has(peer)) this.named.set(peer, now);
        continue;
      }
      this.named.delete(peer);
      this.held.delete(peer);
      this.counters.departures++;
      void this.notify(peer, [...h.keys]).catch(() => undefined);
    }
    // Keep watching the peers still linked (their summary kept), for a while.
    for (const [peer, sinceMs] of this.named) if (!this.held.has(peer) || now - sinceMs > DEPARTURE_WATCH_MS) this.named.delete(peer);
    if (this.named.size > 0) this.schedule();
    this.counters.summariesHeld = this.held.size;
  }

  /** Send the departure notices for one peer: its keys in ring order, a batch per notice lane. */
  private async notify(peer: PeerId, keys: string[]): Promise<void> {
    keys.sort();
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += MAX_GONE_KEYS) batches.push(keys.slice(i, i + MAX_GONE_KEYS));
    await pool(batches, GONE_NOTICES_IN_FLIGHT, async (batch) => {
      // Each notice goes to the owner of the first key left; it takes the keys it owns from there.
      let failures = 0;
      while (batch.length > 0) {
        this.counters.notices++;
        let taken = 1;
        try {
          const r = await call(this.ring, idFromHex(batch[0]!), 'gone', { peer, keys: batch }, this.timeoutMs);
          taken = Math.max(1, r.body.handled);
          failures = 0;
        } catch {
          // Its owner is changing (a new owner answers NOT_OWNER until the hand-over) or unreachable:
          // try again a moment later, a few times, before leaving that file to the periodic pass.
          this.counters.noticesFailed++;
          if (++failures < GONE_NOTICE_ATTEMPTS) {
            await new Promise<void>((resolve) => this.clock.setTimer(GONE_NOTICE_RETRY_MS, resolve));
            continue;
          }
          failures = 0;
        }
        this.counters.noticeKeys += Math.min(taken, batch.length);
        batch = batch.slice(taken);
      }
    });
  }
}
