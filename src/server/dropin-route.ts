// The drop-in gateway's HTTP face: the WebSocket /dropin that pages talk to (no CORS needed for a
// cross-origin WebSocket; the browser sets Origin, which names the page's site) and GET
// /dropin/stats, the operator's counters (requests, grants, refusals by reason, how leases ended).
// Every page message is size-checked, parsed and checked against its schema here, at the boundary.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Clock, Rng } from '../env/ports.js';
import { check } from '../core/codec.js';
import { MAX_CAPACITY, MAX_WAIT_MS } from '../services/coord/constants.js';
import {
  DROPIN_MAX_HOLD_MS, DROPIN_MAX_MESSAGE_BYTES, DROPIN_MAX_PATH_CHARS, DROPIN_MAX_TICKETS, DROPIN_MIN_HOLD_MS,
  DROPIN_WS_PATH, RELEASE_SOURCES, type GatewayMessage, type PageMessage,
} from '../services/coord/dropin-wire.js';
import { DropinGateway } from './dropin-gateway.js';
import { TokenBucket } from './token-bucket.js';

const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });
const Id = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
const Report = Type.Integer({ minimum: 0, maximum: 1_000_000 });

const PageMessageSchema = Type.Union([
  obj({
    type: Type.Literal('acquire'), id: Id,
    path: Type.String({ minLength: 1, maxLength: DROPIN_MAX_PATH_CHARS, pattern: '^/' }),
    capacity: Type.Integer({ minimum: 1, maximum: MAX_CAPACITY }),
    waitMs: Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS }),
    holdMs: Type.Integer({ minimum: DROPIN_MIN_HOLD_MS, maximum: DROPIN_MAX_HOLD_MS }),
  }),
  obj({ type: Type.Literal('cancel'), id: Id }),
  obj({
    type: Type.Literal('release'),
    tickets: Type.Array(Type.String({ pattern: '^[0-9a-f]{32}$' }), { maxItems: DROPIN_MAX_TICKETS }),
    from: Type.Union(RELEASE_SOURCES.map((s) => Type.Literal(s))),
  }),
  obj({ type: Type.Literal('ping') }),
  obj({ type: Type.Literal('report'), unreachable: Report, unguarded: Report }),
]);

/** A page sends a few messages per submit; this leaves room for a busy one and no more. */
const MESSAGES_PER_SEC = 10;
const BURST_MESSAGES = 40;
/** Close codes (RFC 6455): policy violation, and try again later (at our page limit). */
const WS_POLICY_VIOLATION = 1008;
const WS_TRY_AGAIN_LATER = 1013;

/** A page's message, or null when it is too large, not JSON or not one of the schema's. */
export function parsePageMessage(data: RawData, isBinary: boolean): PageMessage | null {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  if (isBinary || buf.length > DROPIN_MAX_MESSAGE_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch {
    return null;
  }
  const r = check(PageMessageSchema, value, 'drop-in message');
  return r.ok ? (r.value as PageMessage) : null;
}

function handlePage(socket: WebSocket, origin: string | undefined, gateway: DropinGateway, clock: Clock): void {
  const send = (m: GatewayMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
  };
  // Browsers always send Origin on a WebSocket; the resource is named by it, so a page can only
  // contend for the slots of its own site.
  if (!origin || !/^https?:\/\/[^/]+$/.test(origin) || origin.length > 300) return socket.close(WS_POLICY_VIOLATION, 'origin required');
  const page = gateway.openPage(origin, send);
  if (!page) return socket.close(WS_TRY_AGAIN_LATER, 'too many pages');
  const bucket = new TokenBucket(clock, MESSAGES_PER_SEC, BURST_MESSAGES);
  socket.on('close', () => page.close());
  socket.on('message', (data: RawData, isBinary: boolean) => {
    const m = bucket.take() ? parsePageMessage(data, isBinary) : null;
    if (m) return page.onMessage(m);
    gateway.countBad();
    socket.close(WS_POLICY_VIOLATION, 'bad or too many messages');
  });
}

/** Mount the gateway's routes; the server's own peer is attached to it once it runs. */
export function registerDropin(app: FastifyInstance, clock: Clock, rng: Rng): DropinGateway {
  const gateway = new DropinGateway(clock, rng);
  app.get(DROPIN_WS_PATH, { websocket: true }, (socket, req) => handlePage(socket, req.headers.origin, gateway, clock));
  app.get(`${DROPIN_WS_PATH}/stats`, async () => gateway.stats);
  app.addHook('onClose', async () => gateway.close());
  return gateway;
}
