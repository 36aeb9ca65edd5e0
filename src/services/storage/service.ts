// The storage service of one peer: it is an sHolder (chunks within a quota), an sKeeper (the
// metadata of the paths it owns, and copies of its predecessors'), runs the repair loop, and
// offers the client API. Every request body is checked against its operation's schema before a
// handler sees it; a bad request gets an error reply and is counted, never thrown.
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import type { Env } from '../../env/ports.js';
import { StorageClient } from './client.js';
import { DEFAULT_REPAIR_PERIOD_MS, DEFAULT_REQUEST_TIMEOUT_MS, STORAGE_SVC } from './constants.js';
import { Holder } from './holder.js';
import { HolderStore } from './holder-store.js';
import { Keeper } from './keeper.js';
import { KeeperStore } from './keeper-store.js';
import { PIECE_OP, PieceMessage, Requests, type StorageOp } from './messages.js';
import { PieceSinks } from './sinks.js';
import type { PeerId } from '../../core/id.js';
import { Repairer } from './repair.js';
import type { RingPort } from '../../overlay/port.js';
import { errorBody } from './rpc.js';

export interface StorageOptions {
  /** Bytes of chunk data this peer holds for others at most. */
  quotaBytes: number;
  /** Period of the repair loop (default 60 s). */
  repairPeriodMs?: number;
  requestTimeoutMs?: number;
  /** Run the repair loop (default true); tests may drive rounds by hand. */
  repair?: boolean;
}

type Handler = (body: never, env: Envelope) => Promise<unknown>;

export class StorageService {
  readonly holder: Holder;
  readonly keeper: Keeper;
  readonly repairer: Repairer;
  readonly client: StorageClient;
  readonly counters = { badRequests: 0, requests: 0, replyFailures: 0 };
  /** Reads this peer's client has open with holders (pieces pushed to it land here). */
  readonly sinks: PieceSinks;
  private readonly handlers: Record<StorageOp, Handler>;
  private started = false;

  constructor(
    private readonly ring: RingPort,
    env: Env,
    private readonly opts: StorageOptions,
  ) {
    const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.sinks = new PieceSinks(env.clock);
    this.holder = new Holder(env.clock, new HolderStore(env.store, opts.quotaBytes));
    this.keeper = new Keeper(ring, env.clock, new KeeperStore(env.store), timeoutMs);
    this.repairer = new Repairer(ring, env.clock, env.rng.fork('storage-repair'), this.keeper, opts.repairPeriodMs ?? DEFAULT_REPAIR_PERIOD_MS, timeoutMs);
    this.client = new StorageClient(ring, env.clock, timeoutMs, this.sinks);
    const h = this.holder;
    const k = this.keeper;
    this.handlers = {
      put: (b) => h.put(b), get: (b) => h.get(b), has: (b) => h.has(b),
      read: (b, env) => h.read(b, (piece) => this.push(env.src, piece)),
      stat: (b) => k.stat(b), commit: (b) => k.commit(b), mkdir: (b) => k.mkdir(b), rm: (b) => k.rm(b),
      list: (b) => k.list(b), link: (b) => k.link(b), unlink: (b) => k.unlink(b), sync: (b) => k.sync(b),
    };
  }

  /** Register with the ring and start the repair loop; calling it twice does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.ring.onService(STORAGE_SVC, (env) => void this.handle(env));
    if (this.opts.repair !== false) this.repairer.start();
  }

  stop(): void {
    this.repairer.stop();
  }

  private async handle(env: Envelope): Promise<void> {
    this.counters.requests++;
    // Pieces pushed for a read this peer asked for: one-way, no reply; a bad or unexpected one is dropped.
    if (env.op === PIECE_OP) {
      const m = check(PieceMessage, env.body, 'piece');
      if (!m.ok || !this.sinks.accept(env.src, m.value)) this.counters.badRequests++;
      return;
    }
    const op = env.op as StorageOp;
    if (!Object.hasOwn(Requests, op)) {
      this.counters.badRequests++;
      this.send(env, { ok: false, code: 'INVALID_ARGUMENT', message: `unknown storage operation ${env.op.slice(0, 32)}` });
      return;
    }
    const body = check(Requests[op], env.body, `${op} request`);
    if (!body.ok) {
      this.counters.badRequests++;
      this.send(env, errorBody(body.error));
      return;
    }
    let reply: unknown;
    try {
      reply = await this.handlers[op](body.value as never, env);
    } catch (e) {
      reply = errorBody(e);
    }
    this.send(env, reply);
  }

  /** A piece for a reader; a full link queue refuses it like a reply (the reader then asks again). */
  private push(to: PeerId, piece: PieceMessage): boolean {
    try {
      return this.ring.send(to, STORAGE_SVC, PIECE_OP, piece);
    } catch {
      this.counters.replyFailures++;
      return false;
    }
  }

  /**
   * Answer, never throw: a link whose send queue is full refuses the frame (the transport's
   * backpressure), and the requester then times out and retries elsewhere.
   */
  private send(env: Envelope, reply: unknown): void {
    try {
      this.ring.reply(env, reply);
    } catch {
      this.counters.replyFailures++;
    }
  }
}
