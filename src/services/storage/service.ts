// The storage service of one peer: it is an sHolder (chunks within a quota), an sKeeper (the
// metadata of the paths it owns, and copies of its predecessors'), runs the repair loop, and
// offers the client API. Every request body is checked against its operation's schema before a
// handler sees it; a bad request gets an error reply and is counted, never thrown.
import type { Envelope } from '../../core/envelope.js';
import { check } from '../../core/codec.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Env } from '../../env/ports.js';
import { StorageClient } from './client.js';
import { STORAGE_SVC } from './constants.js';
import { STORAGE_SETTINGS } from './settings.js';
import { withDefaults } from '../../core/options.js';
import { Holder } from './holder.js';
import { HolderStore } from './holder-store.js';
import { Keeper } from './keeper.js';
import { KeeperStore } from './keeper-store.js';
import { PIECE_OP, PieceMessage, Requests, type StorageOp } from './messages.js';
import { PieceSinks } from './sinks.js';
import type { PeerId } from '../../core/id.js';
import { Repairer } from './repair.js';
import { HolderSummary } from './summary.js';
import { Departures } from './departures.js';
import { ReactiveRepair } from './reactive.js';
import type { RingPort } from '../../overlay/port.js';
import { errorBody } from './rpc.js';
import { shedSurplus, type ShedResult } from './shed.js';

/** How a peer's storage service is configured: STORAGE_SETTINGS in constants.ts gives each one's unit, range and default. */
export interface StorageOptions {
  quotaBytes: number;
  repairPeriodMs?: number;
  requestTimeoutMs?: number;
  /** Run the repair loop (default true); tests may drive rounds by hand. */
  repair?: boolean;
}

/** The options with their defaults filled in; a value out of range throws InvalidArgumentError naming it. */
export function storageSettings(opts: StorageOptions): Required<StorageOptions> {
  if (opts.quotaBytes === undefined) throw new InvalidArgumentError('storage quotaBytes is required');
  const { quotaBytes, requestTimeoutMs, repairPeriodMs } = opts;
  const s = withDefaults(STORAGE_SETTINGS, { quotaBytes, requestTimeoutMs, repairPeriodMs }, (key) => `storage ${key}`);
  return { quotaBytes, requestTimeoutMs: s.requestTimeoutMs, repairPeriodMs: s.repairPeriodMs, repair: opts.repair ?? true };
}

type Handler = (body: never, env: Envelope) => Promise<unknown>;

export class StorageService {
  readonly holder: Holder;
  readonly keeper: Keeper;
  readonly repairer: Repairer;
  /** This peer's summary of what it holds, kept at its successors. */
  readonly summary: HolderSummary;
  /** Its predecessors' summaries, and the departure notices it sends when one of them goes. */
  readonly departures: Departures;
  /** Departure notices received as an sKeeper, and the repairs they start. */
  readonly reactive: ReactiveRepair;
  readonly client: StorageClient;
  readonly counters = { badRequests: 0, requests: 0, replyFailures: 0 };
  /** Reads this peer's client has open with holders (pieces pushed to it land here). */
  readonly sinks: PieceSinks;
  private readonly handlers: Record<StorageOp, Handler>;
  private started = false;
  private readonly settings: Required<StorageOptions>;

  private readonly clock: Env['clock'];

  constructor(
    private readonly ring: RingPort,
    env: Env,
    opts: StorageOptions,
  ) {
    const s = (this.settings = storageSettings(opts));
    this.clock = env.clock;
    this.sinks = new PieceSinks(env.clock);
    const holderStore = new HolderStore(env.store, s.quotaBytes);
    this.summary = new HolderSummary(ring, env.clock, env.rng.fork('storage-summary'), holderStore, s.repairPeriodMs, s.requestTimeoutMs);
    this.holder = new Holder(env.clock, holderStore, (key) => this.summary.note(key));
    this.keeper = new Keeper(ring, env.clock, new KeeperStore(env.store), s.requestTimeoutMs);
    this.repairer = new Repairer(ring, env.clock, env.rng.fork('storage-repair'), this.keeper, s.repairPeriodMs, s.requestTimeoutMs);
    this.departures = new Departures(ring, env.clock, s.repairPeriodMs, s.requestTimeoutMs);
    this.reactive = new ReactiveRepair(ring, env.clock, this.repairer, this.keeper.store);
    this.client = new StorageClient(ring, env.clock, s.requestTimeoutMs, this.sinks);
    const h = this.holder;
    const k = this.keeper;
    this.handlers = {
      put: (b, env) => h.put(b, env.src), abandon: async (b, env) => h.abandon(b, env.src), get: (b) => h.get(b), has: (b) => h.has(b),
      read: (b, env) => h.read(b, (piece) => this.push(env.src, piece)),
      stat: (b) => k.stat(b), commit: (b) => k.commit(b), mkdir: (b) => k.mkdir(b), rm: (b) => k.rm(b),
      list: (b) => k.list(b), link: (b) => k.link(b), unlink: (b) => k.unlink(b), sync: (b, env) => k.sync(b, env.src),
      summary: async (b, env) => this.departures.summary(env.src, b), gone: async (b) => this.reactive.gone(b),
    };
  }

  /** Register with the ring and start the repair loop; calling it twice does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.ring.onService(STORAGE_SVC, (env) => void this.handle(env));
    if (!this.settings.repair) return;
    this.repairer.start();
    this.summary.start();
    this.departures.start();
    this.reactive.start();
  }

  stop(): void {
    this.repairer.stop();
    this.summary.stop();
    this.departures.stop();
    this.reactive.stop();
  }

  /**
   * The volunteer changed its quota: chunks beyond it are refused at once, and when it is below
   * what this peer holds, the surplus is moved to other peers first (shed.ts). Resolves once moved.
   */
  async setQuota(bytes: number): Promise<ShedResult> {
    this.holder.store.setQuota(bytes);
    return shedSurplus(this.ring, this.clock, this.holder.store, () => this.summary.list(), this.settings.requestTimeoutMs, this.departures.counters);
  }

  /** Pause lending (no chunk taken or served here) or resume it; metadata this peer keeps is still served. */
  setPaused(paused: boolean): void {
    this.holder.paused = paused;
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
