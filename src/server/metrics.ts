// The server's /metrics in Prometheus's text format (prom-client), from its own registry so that
// several servers in one process (tests) do not share counters. HTTP requests are counted by the
// route they matched (its pattern, never the raw URL: bounded label values) and status, with a
// latency histogram; the rest is read at scrape time from the hub and the server's own peer.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunningPeer } from '../host/start-peer.js';
import type { SignalHub } from './hub.js';

/** Latency buckets in seconds: a metadata request takes milliseconds, a large object seconds. */
const LATENCY_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Requests that matched no route are counted under this route label. */
const NO_ROUTE = 'unmatched';

type Sample = [Record<string, string>, number];

/**
 * A metric whose value is read from live counts at scrape time (counts the protocol code keeps):
 * a counter for counts that only grow, a gauge for levels.
 */
function readMetric(kind: 'counter' | 'gauge', registry: Registry, name: string, help: string, labelNames: string[], read: () => Sample[]): void {
  if (kind === 'counter') {
    new Counter({ name, help, labelNames, registers: [registry], collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    } });
  } else {
    new Gauge({ name, help, labelNames, registers: [registry], collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    } });
  }
}
const readCounter = (...a: [Registry, string, string, string[], () => Sample[]]) => readMetric('counter', ...a);
const readGauge = (...a: [Registry, string, string, string[], () => Sample[]]) => readMetric('gauge', ...a);

export class ServerMetrics {
  readonly registry = new Registry();
  private peer: RunningPeer | null = null;
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly latency: Histogram<'route' | 'method'>;

  constructor(hub: SignalHub) {
    const r = this.registry;
    this.requests = new Counter({ name: 'cumulus_http_requests_total', help: 'HTTP requests answered, by matched route, method and status', labelNames: ['route', 'method', 'status'], registers: [r] });
    this.latency = new Histogram({ name: 'cumulus_http_request_duration_seconds', help: 'time from request to the end of the answer', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS_S, registers: [r] });
    readGauge(r, 'cumulus_signaling_peers', 'peers connected to the server for signaling', [], () => [[{}, hub.size]]);
    readCounter(r, 'cumulus_signaling_joins_total', 'hellos the server accepted', [], () => [[{}, hub.stats.joins]]);
    readGauge(r, 'cumulus_ring_peers', 'peers the server\'s own peer has open links to', [], () => (this.peer ? [[{}, this.peer.net.links().length]] : []));
    readGauge(r, 'cumulus_links_open', 'open links of the server\'s peer, by path kind (host, srflx, relay)', ['kind'],
      () => Object.entries(this.peer?.net.kinds.open() ?? {}).map(([kind, n]) => [{ kind }, n]));
    readCounter(r, 'cumulus_links_opened_total', 'links the server\'s peer opened, by path kind', ['kind'],
      () => Object.entries(this.peer?.net.kinds.counts ?? {}).map(([kind, n]) => [{ kind }, n]));
    readCounter(r, 'cumulus_frames_total', 'frames through the server\'s peer: in, out, and refused at the trust boundary', ['direction'], () => {
      const s = this.peer?.peer.mux.stats;
      return s ? [[{ direction: 'in' }, s.framesIn], [{ direction: 'out' }, s.framesOut], [{ direction: 'refused' }, s.badFrames]] : [];
    });
    readGauge(r, 'cumulus_storage_held_bytes', 'bytes of chunks the server\'s peer holds', [], () => {
      const s = this.peer?.peer.storage;
      return s ? [[{}, s.holder.store.used]] : [];
    });
    readCounter(r, 'cumulus_storage_repaired_chunks_total', 'chunks the server\'s peer copied to restore their replica count', [], () => {
      const s = this.peer?.peer.storage;
      return s ? [[{}, s.repairer.counters.chunksRepaired]] : [];
    });
    readCounter(r, 'cumulus_coord_grants_total', 'coordination grants made by the server\'s peer as an owner', [], () => {
      const c = this.peer?.peer.coord;
      return c ? [[{}, c.stats.grants]] : [];
    });
  }

  /** Read the peer's figures from now on (it starts after the server). */
  attachPeer(peer: RunningPeer): void {
    this.peer = peer;
  }

  /** Count every answer of `app` and serve GET /metrics on it. */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? NO_ROUTE;
      this.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
      this.latency.observe({ route, method: req.method }, reply.elapsedTime / 1000);
    });
    app.get('/metrics', async (_req, reply) => {
      reply.type(this.registry.contentType);
      return this.registry.metrics();
    });
  }
}
