// The rendezvous server: HTTP health and peer count, and WebSocket signaling for first contacts.
// A joining peer proves its id (signs a fresh nonce), gets a few live contacts, and has its
// offers, answers and candidates relayed to them. Its work grows with joins, not with traffic:
// once a peer has one link, its later links are signaled through the overlay.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket, RawData } from 'ws';
import type { PeerId } from '../core/id.js';
import type { Clock, Rng } from '../env/ports.js';
import { check } from '../core/codec.js';
import { bytesToHex, hexToBytes } from '../core/id.js';
import { RealClock } from '../runtime/clock.js';
import { CryptoRng } from '../runtime/rng.js';
import { verifyClaim } from '../runtime/identity.js';
import { SignalHub, type HubClient } from './hub.js';
import { TokenBucket } from './token-bucket.js';
import { AddressLimiter } from './address-limits.js';
import { RingMembers, type RingMembersSettings } from './ring-members.js';
import { registerWebPage } from './web.js';
import { DashboardFeed } from './dashboard-feed.js';
import { registerDropin } from './dropin-route.js';
import type { DropinGateway } from './dropin-gateway.js';
import type { IceIssuer } from './ice.js';
import { registerApi, type ApiOptions } from './api/index.js';
import { RingNodeRegistry } from './ring-nodes.js';
import { registerS3, type S3Options } from './s3/index.js';
import { createLogger, newRequestId, registerRequestLog, type LogOptions } from './logging.js';
import { ServerMetrics } from './metrics.js';
import { ClientMessageSchema, FATAL_CODES, HANDSHAKE_TIMEOUT_MS, SIGNAL_PROTOCOL_VERSION, helloPayload, type ClientMessage, type ServerMessage, type SignalErrorCode } from '../services/signal/rendezvous.js';

export interface ServerLimits {
  /** Largest client message we parse; an SDP offer is about 1 KiB. */
  maxMessageBytes: number;
  /** Sustained messages per second per connection, and the burst allowed above it. */
  messagesPerSec: number;
  burstMessages: number;
  /** Time a client has to say hello before it is dropped. */
  helloTimeoutMs: number;
  /**
   * Hellos (connections) per minute from one address, and the burst allowed above it: identities
   * cost nothing to make. The burst lets a whole local cloud (`cumulus up --peers 64`, tabs
   * beside it) come back at once from one address when its server restarts.
   */
  hellosPerMinutePerAddress: number;
  helloBurstPerAddress: number;
}

/** The address a server binds when none is given: loopback, since serving the network is a choice to make on purpose. */
export const DEFAULT_HOST = '127.0.0.1';
/** Where the S3 door answers on the server's own port (path-style: /s3/BUCKET/KEY). */
export const S3_PREFIX = '/s3';

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxMessageBytes: 16 * 1024, messagesPerSec: 20, burstMessages: 100, helloTimeoutMs: HANDSHAKE_TIMEOUT_MS,
  hellosPerMinutePerAddress: 60, helloBurstPerAddress: 100,
};

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Mount the REST gateway with these users and files; /nodes/ lists the peers on the hub. */
  api?: Omit<ApiOptions, 'nodes'>;
  /** Mount the S3 door under S3_PREFIX (src/server/s3). */
  s3?: S3Options;
  clock?: Clock;
  rng?: Rng;
  limits?: Partial<ServerLimits>;
  /** How connected peers are verified to stand on the ring, once the server's peer attaches (ring-members.ts). */
  members?: Partial<RingMembersSettings>;
  /** STUN/TURN servers handed to every joining peer, TURN ones with per-peer expiring credentials (ice.ts). */
  ice?: IceIssuer;
  /** Structured logs (logging.ts); default: warnings and errors only, on stderr. */
  log?: LogOptions;
  /** Serve HTTPS and WSS with this certificate chain and key (PEM). */
  tls?: TlsFiles;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export interface CumulusServer {
  readonly app: FastifyInstance;
  readonly hub: SignalHub;
  /** Which connected peers stand on the ring: the contacts the hub names, once the server's peer attaches. */
  readonly members: RingMembers;
  /** e.g. http://127.0.0.1:8080, known once listening. */
  readonly url: string;
  readonly port: number;
  /** Web pages' drop-in requests, asked through the server's own peer (attached once it runs). */
  readonly dropin: DropinGateway;
  readonly ice: IceIssuer | null;
  /** What /metrics serves; the server's peer is attached once it runs. */
  readonly metrics: ServerMetrics;
  /** What /nodes/ lists; the server's peer is attached once it runs. */
  readonly nodes: RingNodeRegistry;
  /** The live dashboard's feed (/dashboard/feed). */
  readonly dashboard: DashboardFeed;
  close(): Promise<void>;
}

/** Close code for policy violations (RFC 6455). */
const WS_POLICY_VIOLATION = 1008;
/** The ws library's own ceiling, above ours, so we can answer with a clear error first. */
const WS_MAX_PAYLOAD_BYTES = 256 * 1024;

export async function createServer(opts: ServerOptions = {}): Promise<CumulusServer> {
  const clock = opts.clock ?? new RealClock();
  const rng = opts.rng ?? new CryptoRng();
  const limits = { ...DEFAULT_SERVER_LIMITS, ...opts.limits };
  const hub = new SignalHub(rng);
  const members = new RingMembers(hub, clock, rng, opts.members);
  const hellos = new AddressLimiter(clock, limits.hellosPerMinutePerAddress, limits.helloBurstPerAddress);
  const common = { loggerInstance: createLogger(opts.log ?? { level: 'warn' }), logController: new LogController({ disableRequestLogging: true }), genReqId: newRequestId };
  // Fastify's type differs by protocol; the routes and hooks here are the same over both.
  const app = (opts.tls ? Fastify({ ...common, https: opts.tls }) : Fastify(common)) as unknown as FastifyInstance;
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD_BYTES } });
  // Metrics first: when a request's log line is written, it has been counted (tests wait for the line).
  const metrics = new ServerMetrics(hub);
  metrics.register(app);
  registerRequestLog(app);

  app.get('/health', async () => ({ ok: true, peers: hub.size }));
  registerWebPage(app);
  const dropin = registerDropin(app, clock, rng);
  const nodes = new RingNodeRegistry(hub, members);
  const dashboard = new DashboardFeed({ hub, members, peer: () => nodes.ownPeer, dropin: () => dropin });
  dashboard.register(app);
  if (opts.api) await registerApi(app, { ...opts.api, nodes });
  if (opts.s3) await registerS3(app, opts.s3, S3_PREFIX);
  app.get('/peers/count', async () => ({ peers: hub.size, joins: hub.stats.joins, signalsRelayed: hub.stats.signalsRelayed }));
  app.get('/signal', { websocket: true }, (socket, req) => {
    if (hellos.take(req.socket.remoteAddress ?? '')) return handleConnection(socket, hub, clock, rng, limits, opts.ice ?? null, /\bMozilla\//.test(req.headers['user-agent'] ?? '') ? 'browser' : 'node');
    hub.countRejected('RATE_LIMITED');
    const message = `more than ${limits.hellosPerMinutePerAddress} connections a minute from this address (burst ${limits.helloBurstPerAddress})`;
    socket.send(JSON.stringify({ type: 'error', code: 'RATE_LIMITED', message } satisfies ServerMessage));
    socket.close(WS_POLICY_VIOLATION, 'RATE_LIMITED');
  });

  const host = opts.host ?? DEFAULT_HOST;
  await app.listen({ port: opts.port ?? 0, host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  return {
    app, hub, dropin, members, port, metrics, nodes, dashboard, ice: opts.ice ?? null, url: `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => {
      members.close();
      dashboard.close();
      return app.close();
    },
  };
}

function handleConnection(socket: WebSocket, hub: SignalHub, clock: Clock, rng: Rng, limits: ServerLimits, ice: IceIssuer | null, agent: 'browser' | 'node'): void {
  const nonce = bytesToHex(rng.bytes(16));
  const bucket = new TokenBucket(clock, limits.messagesPerSec, limits.burstMessages);
  let id: PeerId | null = null;
  let closed = false;
  const send = (m: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
  };
  const fail = (code: SignalErrorCode, message: string) => {
    hub.countRejected(code);
    send({ type: 'error', code, message });
    if (FATAL_CODES.has(code) && !closed) {
      closed = true;
      socket.close(WS_POLICY_VIOLATION, code);
    }
  };
  const client: HubClient = { deliver: send, close: fail, agent };
  const helloTimer = clock.setTimer(limits.helloTimeoutMs, () => {
    if (!id) fail('HELLO_FIRST', `no hello within ${limits.helloTimeoutMs} ms`);
  });
  socket.on('close', () => {
    closed = true;
    clock.cancel(helloTimer);
    if (id) hub.leave(id, client);
  });
  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (closed) return;
    if (!bucket.take()) return fail('RATE_LIMITED', `more than ${limits.messagesPerSec} messages per second (burst ${limits.burstMessages})`);
    const parsed = parseClientMessage(data, isBinary, limits.maxMessageBytes);
    if (!parsed.ok) return fail(parsed.code, parsed.message);
    const m = parsed.value;
    if (m.type === 'hello') {
      if (!verifyClaim(m.id, hexToBytes(m.publicKey), helloPayload(nonce, m.id), hexToBytes(m.sig))) {
        return fail('BAD_SIGNATURE', 'the public key does not name this id, or the signature over the nonce does not verify');
      }
      if (hub.isFull()) return fail('SERVER_FULL', 'this server tracks as many peers as it can; try another');
      id = m.id as PeerId;
      clock.cancel(helloTimer);
      hub.join(id, client);
      return send({ type: 'welcome', contacts: hub.contacts(id), peers: hub.ringPeers(), ...(ice && !ice.empty ? { ice: ice.forPeer(id) } : {}) });
    }
    if (!id) return fail('HELLO_FIRST', `say hello before ${m.type}`);
    if (m.type === 'contacts') return send({ type: 'contacts', contacts: hub.contacts(id) });
    if (m.type === 'ice') return send({ type: 'ice', ice: ice?.forPeer(id) ?? { servers: [] } });
    if (!hub.relay(id, m.to as PeerId, m.msg)) fail('UNKNOWN_PEER', `peer ${m.to} is not connected to this server`);
  });
  send({ type: 'challenge', v: SIGNAL_PROTOCOL_VERSION, nonce });
}

type Parsed = { ok: true; value: ClientMessage } | { ok: false; code: SignalErrorCode; message: string };

/** The trust boundary for client messages: size, then JSON, then schema. */
export function parseClientMessage(data: RawData, isBinary: boolean, maxBytes: number): Parsed {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  if (buf.length > maxBytes) return { ok: false, code: 'TOO_LARGE', message: `message of ${buf.length} bytes exceeds the limit of ${maxBytes} bytes` };
  if (isBinary) return { ok: false, code: 'MALFORMED_JSON', message: 'expected a JSON text message, got binary' };
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'MALFORMED_JSON', message: `not JSON: ${(e as Error).message}` };
  }
  const r = check(ClientMessageSchema, value, 'client message');
  return r.ok ? { ok: true, value: r.value } : { ok: false, code: 'SCHEMA_MISMATCH', message: r.error.message };
}
