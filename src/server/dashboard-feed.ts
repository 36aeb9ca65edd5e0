// The live dashboard's feed (GET /dashboard/feed): one server-sent-events stream of what the
// server already knows, a snapshot a second. The hub says who is connected (browser or Node), the
// ring-membership checks which of them stand on the ring, the server's own peer its links and its
// gossip estimates of the whole cloud, the jobs submitted through this gateway their progress, and
// the drop-in gateway its coordination counters. Nothing polls the peers: one snapshot is built per
// tick (only while someone watches) and the same text goes to every watcher, so a watcher costs a
// socket write a second. Watchers are capped, and one that does not keep up is dropped.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PeerId } from '../core/id.js';
import type { RunningPeer } from '../host/start-peer.js';
import type { SignalHub } from './hub.js';
import type { RingMembers } from './ring-members.js';
import type { DropinGateway } from './dropin-gateway.js';
import { JobWatch } from './dashboard-jobs.js';
import { MAX_COORD_RESOURCES, type DashboardSnapshot, type RingPoint } from '../host/dashboard-snapshot.js';

/** One snapshot a second: the charts' resolution, and the whole cost of a watcher. */
export const FEED_INTERVAL_MS = 1000;
/** Watchers at once; more get 503. */
export const MAX_FEED_WATCHERS = 64;
/** A watcher with this much unsent is too slow and is dropped. */
const MAX_UNSENT_BYTES = 1 << 20;
/** Ring points sent at most: beyond, an even sample by id (the counts stay exact). */
export const MAX_RING_POINTS = 1000;

export interface FeedSources {
  hub: SignalHub;
  members: RingMembers;
  peer: () => RunningPeer | null;
  dropin?: () => Pick<DropinGateway, 'stats' | 'resources'>;
}

export class DashboardFeed {
  private readonly watchers = new Set<FastifyReply>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private joins = 0;
  private leaves = 0;
  readonly jobs: JobWatch;

  constructor(private readonly src: FeedSources) {
    src.hub.watch((_id, present) => (present ? this.joins++ : this.leaves++));
    this.jobs = new JobWatch(() => src.peer()?.peer.jobs?.client ?? null);
  }

  get watching(): number {
    return this.watchers.size;
  }

  snapshot(): DashboardSnapshot {
    const { hub, members } = this.src;
    const onRing = new Set(members.verified());
    const ids = hub.ids();
    const own = this.src.peer();
    const ownId = own?.identity.id;
    let browsers = 0;
    let nodes = 0;
    const points: RingPoint[] = [];
    for (const id of ids) {
      if (id === ownId) continue;
      const kind = hub.kindOf(id) ?? 'node';
      if (kind === 'browser') browsers++;
      else nodes++;
      points.push({ id, kind, onRing: onRing.has(id) });
    }
    if (own) points.push({ id: own.identity.id, kind: 'server', onRing: own.peer.status().joined && !own.peer.base.isAttached() });
    points.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const step = Math.max(1, points.length / MAX_RING_POINTS);
    const ring = step === 1 ? points : Array.from({ length: MAX_RING_POINTS }, (_, i) => points[Math.floor(i * step)]!);
    return {
      tMs: Date.now(),
      peers: { connected: browsers + nodes, onRing: [...onRing].filter((id) => id !== ownId).length, browsers, nodes },
      joins: this.joins, leaves: this.leaves, ring, sampled: step > 1,
      server: own ? serverView(own) : null,
      cloud: cloudView(own),
      jobs: this.jobs.progress(),
      coord: this.src.dropin ? coordView(this.src.dropin()) : null,
    };
  }

  register(app: FastifyInstance): void {
    app.get('/dashboard/feed', (req, reply) => this.watch(req, reply));
    app.get('/dashboard/snapshot', async () => this.snapshot());
    this.jobs.register(app);
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const w of this.watchers) w.raw.end();
    this.watchers.clear();
  }

  private watch(req: FastifyRequest, reply: FastifyReply): void {
    if (this.watchers.size >= MAX_FEED_WATCHERS) {
      void reply.code(503).type('text/plain').send(`${MAX_FEED_WATCHERS} dashboards watch already; try again later`);
      return;
    }
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    reply.raw.write(`retry: 3000\ndata: ${JSON.stringify(this.snapshot())}\n\n`);
    this.watchers.add(reply);
    req.raw.on('close', () => this.unwatch(reply));
    this.timer ??= setInterval(() => this.tick(), FEED_INTERVAL_MS);
  }

  private unwatch(reply: FastifyReply): void {
    this.watchers.delete(reply);
    if (this.watchers.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    this.jobs.refresh();
    const frame = `data: ${JSON.stringify(this.snapshot())}\n\n`;
    for (const w of this.watchers) {
      if (w.raw.writableLength > MAX_UNSENT_BYTES) {
        w.raw.destroy();
        this.unwatch(w);
      } else w.raw.write(frame);
    }
  }
}

function serverView(own: RunningPeer): DashboardSnapshot['server'] {
  const s = own.peer.status();
  return { id: s.id, attached: own.peer.base.isAttached(), successors: s.successors, fingers: s.fingers, links: own.net.links() as PeerId[] };
}

function cloudView(own: RunningPeer | null): DashboardSnapshot['cloud'] {
  const e = own?.peer.gossip?.estimates();
  if (!e) return null;
  return { peers: e.size, storageOfferedBytes: e.sum.storageOfferedBytes, storageUsedBytes: e.sum.storageUsedBytes, cores: e.sum.cores, tasksRunning: e.sum.tasksRunning };
}

function coordView(g: Pick<DropinGateway, 'stats' | 'resources'>): DashboardSnapshot['coord'] {
  const d = g.stats;
  const refused = Object.values(d.refused).reduce((a, b) => a + b, 0);
  return { held: d.held, requests: d.requests, granted: d.granted, refused, resources: g.resources(MAX_COORD_RESOURCES) };
}
