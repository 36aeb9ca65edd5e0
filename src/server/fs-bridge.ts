// The gateway's FileSystem across a thread boundary. When the server's own peer runs in a worker
// thread (peer-thread.ts), the REST gateway on the main thread talks to the peer's RingFileSystem
// through a MessagePort: `RemoteFileSystem` (main side) implements the FileSystem interface by
// messages to `serveFileSystem` (worker side), which calls the real one.
//
// Bodies stream both ways with a bounded window (the receiver grants credit chunk by chunk), so
// neither side ever holds a file: a GET's chunks cross by transferring their ArrayBuffers (no
// copy) while the worker reads and verifies the next ones; a PUT's pieces are copied once on the
// main thread (the HTTP parser's buffers are not ours to give away) and transferred. Errors cross
// as { code, message, detail, name } and become CumulusErrors again, so the gateway's statuses
// do not change; anything else becomes an INTERNAL error. Messages are internal, but every one is
// still checked against its schema before it is acted on.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { MessagePort } from 'node:worker_threads';
import { check } from '../core/codec.js';
import { CumulusError, type ErrorCode } from '../core/errors.js';
import type { ByteRange, FileStat, FileSystem, ListOptions, ListPage, PutOptions, Stat, Usage } from './api/files.js';

/** Chunks of a GET in flight across the port (besides the FileSystem's own read-ahead). */
export const GET_WINDOW_CHUNKS = Number(process.env.CUMULUS_GETW ?? 4);
/** Pieces of a PUT body in flight across the port. */
export const PUT_WINDOW_PIECES = 8;
/** Stats the worker side remembers for a following get(…, known) (oldest forgotten first). */
const KNOWN_STATS = 1024;
const SLOT = 256 * 1024;
const SLOTS = 64;

const Id = Type.Integer({ minimum: 1 });
const Path = Type.String({ maxLength: 4096 });
const Count = Type.Integer({ minimum: 1, maximum: 1024 });
const ErrorShape = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.String({ maxLength: 128 }),
  message: Type.String({ maxLength: 64 * 1024 }),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
type ErrorShape = Static<typeof ErrorShape>;
const StatShape = Type.Object({
  name: Type.String(), path: Type.String(), type: Type.Union([Type.Literal('object'), Type.Literal('directory')]),
  mtimeMs: Type.Number(), sizeBytes: Type.Number({ minimum: 0 }),
  etag: Type.Optional(Type.String()), replicas: Type.Optional(Type.Integer()), contentType: Type.Optional(Type.String()),
});
const RangeShape = Type.Object({ start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) });

const CallOp = Type.Union([Type.Literal('stat'), Type.Literal('list'), Type.Literal('mkdir'), Type.Literal('rm'), Type.Literal('usage')]);
const ListArgs = Type.Object({ limit: Type.Integer({ minimum: 1 }), marker: Type.Optional(Type.String()) });
const PutArgs = Type.Object({
  replicas: Type.Integer({ minimum: 1 }), sizeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  maxBytes: Type.Optional(Type.Integer({ minimum: 0 })), contentType: Type.Optional(Type.String()),
});

/** Main thread to worker. */
export const RequestSchema = Type.Union([
  Type.Object({ t: Type.Literal('call'), id: Id, op: CallOp, path: Path, list: Type.Optional(ListArgs), parents: Type.Optional(Type.Boolean()) }),
  Type.Object({ t: Type.Literal('get'), id: Id, path: Path, range: Type.Optional(RangeShape), known: Type.Optional(Id), window: Count }),
  Type.Object({ t: Type.Literal('more'), id: Id, n: Count }),
  Type.Object({ t: Type.Literal('cancel'), id: Id }),
  Type.Object({ t: Type.Literal('pool'), id: Id, sab: Type.Any() }),
  Type.Object({ t: Type.Literal('put'), id: Id, path: Path, opts: PutArgs }),
  Type.Object({ t: Type.Literal('data'), id: Id, bytes: Type.Uint8Array() }),
  Type.Object({ t: Type.Literal('end'), id: Id }),
  Type.Object({ t: Type.Literal('fail'), id: Id, error: ErrorShape }),
]);
export type Request = Static<typeof RequestSchema>;

/** Worker to main thread. */
export const ReplySchema = Type.Union([
  Type.Object({ t: Type.Literal('ok'), id: Id, value: Type.Unknown(), known: Type.Optional(Id) }),
  Type.Object({ t: Type.Literal('err'), id: Id, error: ErrorShape }),
  Type.Object({ t: Type.Literal('head'), id: Id, stat: StatShape }),
  Type.Object({ t: Type.Literal('chunk'), id: Id, bytes: Type.Uint8Array() }),
  Type.Object({ t: Type.Literal('slot'), id: Id, slot: Type.Integer(), n: Type.Integer() }),
  Type.Object({ t: Type.Literal('done'), id: Id }),
  Type.Object({ t: Type.Literal('want'), id: Id, n: Count }),
]);
export type Reply = Static<typeof ReplySchema>;

/** What crosses for an error: CumulusErrors keep their code, detail and class name. */
export function encodeError(e: unknown): ErrorShape {
  if (e instanceof CumulusError) {
    const out: ErrorShape = { code: e.code, name: e.name, message: e.message };
    if (e.detail && isPlain(e.detail)) out.detail = e.detail;
    return out;
  }
  return { name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
}

const ERROR_CODES = new Set<string>(['FRAME_TOO_LARGE', 'FRAME_TRUNCATED', 'FRAME_MALFORMED', 'SCHEMA_MISMATCH', 'UNSUPPORTED_VERSION',
  'INVALID_ARGUMENT', 'TIMEOUT', 'PEER_GONE', 'NOT_FOUND', 'ALREADY_EXISTS', 'OVER_QUOTA', 'REFUSED', 'CANCELLED', 'INTERNAL'] satisfies ErrorCode[]);

/** The error again on this side: a CumulusError with the same code (INTERNAL when it had none). */
export function decodeError(s: ErrorShape): CumulusError {
  const code = s.code !== undefined && ERROR_CODES.has(s.code) ? (s.code as ErrorCode) : 'INTERNAL';
  const e = new CumulusError(code, s.message, s.detail);
  e.name = s.name;
  return e;
}

/** Only JSON-like details cross (a detail holding functions or class instances is dropped). */
function isPlain(v: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v)) return true;
  if (Array.isArray(v)) return v.every((x) => isPlain(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every((x) => isPlain(x, depth + 1));
  return false;
}

/** A chunk's memory to transfer: its own buffer when it spans all of it, else a copy that does. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? bytes : new Uint8Array(bytes);
}

function decode<T extends TSchema>(schema: T, raw: unknown, what: string): Static<T> | CumulusError {
  const r = check(schema, raw, what);
  return r.ok ? r.value : r.error;
}

export interface BridgeStats {
  /** Messages that failed their schema check (dropped, or answered with an error). */
  badMessages: number;
}

/**
 * Worker side: answer RemoteFileSystem's requests on `port` with `fs`. Chunks that `fs` yields are
 * transferred when they span their whole ArrayBuffer (RingFileSystem's always do: each is a fresh
 * buffer), so `fs` must not touch a chunk's memory after yielding it. Returns a stop function that
 * cancels every stream in progress.
 */
export function serveFileSystem(port: MessagePort, fs: FileSystem): { stats: BridgeStats; stop(): void } {
  const stats: BridgeStats = { badMessages: 0 };
  const known = new Map<number, Stat>();
  let nextKnown = 1;
  const remember = (s: Stat): number => {
    const h = nextKnown++;
    known.set(h, s);
    if (known.size > KNOWN_STATS) known.delete(known.keys().next().value as number);
    return h;
  };
  const gets = new Map<number, { credit: number; wake: (() => void) | null; cancelled: boolean; iter?: AsyncIterator<Uint8Array> }>();
  const puts = new Map<number, { push(m: Request): void }>();
  const post = (m: Reply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const fail = (id: number, e: unknown) => post({ t: 'err', id, error: encodeError(e) });

  const call = async (m: Extract<Request, { t: 'call' }>): Promise<void> => {
    try {
      if (m.op === 'stat') {
        const s = await fs.stat(m.path);
        return post({ t: 'ok', id: m.id, value: s, known: remember(s) });
      }
      let value: Stat | ListPage | Usage | undefined;
      if (m.op === 'list') value = await fs.list(m.path, m.list ?? { limit: 1 });
      else if (m.op === 'mkdir') value = await fs.mkdir(m.path, { parents: m.parents === true });
      else if (m.op === 'rm') await fs.rm(m.path);
      else if (!fs.usage) throw new CumulusError('INVALID_ARGUMENT', 'this FileSystem keeps no usage totals');
      else value = await fs.usage(m.path);
      post({ t: 'ok', id: m.id, value });
    } catch (e) {
      fail(m.id, e);
    }
  };

  const get = async (m: Extract<Request, { t: 'get' }>): Promise<void> => {
    const g = { credit: m.window, wake: null as (() => void) | null, cancelled: false, iter: undefined as AsyncIterator<Uint8Array> | undefined };
    gets.set(m.id, g);
    try {
      const k = m.known === undefined ? undefined : known.get(m.known);
      const { stat, body } = await fs.get(m.path, m.range, k);
      g.iter = body[Symbol.asyncIterator]();
      if (g.cancelled) return;
      post({ t: 'head', id: m.id, stat });
      for (;;) {
        while (g.credit <= 0 && !g.cancelled) await new Promise<void>((resolve) => (g.wake = resolve));
        if (g.cancelled) return;
        const r = await g.iter.next();
        if (g.cancelled) return;
        if (r.done) return post({ t: 'done', id: m.id });
        g.credit--;
        if (pool && r.value.length <= SLOT) {
          const slot = poolNext++ % SLOTS;
          pool.set(r.value, slot * SLOT);
          post({ t: 'slot', id: m.id, slot, n: r.value.length });
        } else {
          const bytes = ownBuffer(r.value);
          post({ t: 'chunk', id: m.id, bytes }, [bytes.buffer as ArrayBuffer]);
        }
      }
    } catch (e) {
      if (!g.cancelled) fail(m.id, e);
    } finally {
      gets.delete(m.id);
      if (g.cancelled) await g.iter?.return?.()?.catch(() => undefined);
    }
  };

  const put = (m: Extract<Request, { t: 'put' }>): void => {
    const queue: Request[] = [];
    let wake: (() => void) | null = null;
    puts.set(m.id, { push: (r) => { queue.push(r); wake?.(); wake = null; } });
    async function* body(): AsyncIterable<Uint8Array> {
      post({ t: 'want', id: m.id, n: PUT_WINDOW_PIECES });
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const r = queue.shift()!;
        if (r.t === 'end') return;
        if (r.t === 'fail') throw decodeError(r.error);
        if (r.t === 'cancel') throw new CumulusError('CANCELLED', 'the upload was cancelled');
        if (r.t !== 'data') continue;
        yield r.bytes;
        post({ t: 'want', id: m.id, n: 1 });
      }
    }
    const opts: PutOptions = { replicas: m.opts.replicas };
    if (m.opts.sizeBytes !== undefined) opts.sizeBytes = m.opts.sizeBytes;
    if (m.opts.maxBytes !== undefined) opts.maxBytes = m.opts.maxBytes;
    if (m.opts.contentType !== undefined) opts.contentType = m.opts.contentType;
    fs.put(m.path, body(), opts).then(
      (value) => post({ t: 'ok', id: m.id, value }),
      (e: unknown) => fail(m.id, e),
    ).finally(() => puts.delete(m.id));
  };

  let pool: Uint8Array | null = null;
  let poolNext = 0;
  const onMessage = (raw: unknown): void => {
    if ((raw as { t?: string }).t === 'pool') { pool = new Uint8Array((raw as { sab: SharedArrayBuffer }).sab); return; }
    const m = decode(RequestSchema, raw, 'file system request');
    if (m instanceof CumulusError) {
      stats.badMessages++;
      const id = (raw as { id?: unknown } | null)?.id;
      // A request we can name gets its error; anything else is dropped.
      if (typeof id === 'number' && Number.isInteger(id) && id > 0 && !gets.has(id) && !puts.has(id)) fail(id, m);
      return;
    }
    switch (m.t) {
      case 'call': return void call(m);
      case 'get': return void get(m);
      case 'put': return put(m);
      case 'more': {
        const g = gets.get(m.id);
        if (!g) return;
        g.credit += m.n;
        g.wake?.();
        g.wake = null;
        return;
      }
      case 'cancel': {
        const g = gets.get(m.id);
        if (g) {
          g.cancelled = true;
          g.wake?.();
          g.wake = null;
          return;
        }
        return puts.get(m.id)?.push(m);
      }
      default: return puts.get(m.id)?.push(m);
    }
  };
  port.on('message', onMessage);
  return {
    stats,
    stop: () => {
      port.off('message', onMessage);
      for (const g of gets.values()) {
        g.cancelled = true;
        g.wake?.();
      }
      for (const p of puts.values()) p.push({ t: 'cancel', id: 1 });
    },
  };
}

type Pending = { resolve(m: Extract<Reply, { t: 'ok' }>): void; reject(e: CumulusError): void };
type Stream = {
  chunks: Uint8Array[];
  ended: boolean;
  error: CumulusError | null;
  wake: (() => void) | null;
  head: Pending | null;
};
type Upload = { credit: number; wake: (() => void) | null };

/**
 * Main side: the FileSystem the gateway mounts, every call answered by serveFileSystem at the
 * other end of `port`. When that end is gone (`close(reason)`, or the port closes) every request
 * in progress and every later one fails with PEER_GONE: a 503, as while the peer is not on the ring.
 */
export class RemoteFileSystem implements FileSystem {
  readonly stats: BridgeStats = { badMessages: 0 };
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, Stream>();
  private readonly uploads = new Map<number, Upload>();
  /** The worker's handle for each Stat it answered, so get(…, known) reads that very version. */
  private readonly handles = new WeakMap<Stat, number>();
  private gone: CumulusError | null = null;
  private sab: SharedArrayBuffer | null = null;

  constructor(private readonly port: MessagePort) {
    port.on('message', (raw: unknown) => this.onMessage(raw));
    if (process.env.CUMULUS_POOL) { this.sab = new SharedArrayBuffer(SLOT * SLOTS); port.postMessage({ t: 'pool', id: 1, sab: this.sab }); }
    port.on('close', () => this.close('the peer thread closed its port'));
  }

  /** Fail everything in progress and everything after: the other side is gone. */
  close(reason: string): void {
    if (this.gone) return;
    this.gone = new CumulusError('PEER_GONE', `the gateway's peer is gone: ${reason}`);
    for (const p of this.pending.values()) p.reject(this.gone);
    this.pending.clear();
    for (const s of this.streams.values()) {
      s.error ??= this.gone;
      s.head?.reject(this.gone);
      s.wake?.();
    }
    for (const u of this.uploads.values()) u.wake?.();
  }

  private send(m: Request, transfer?: ArrayBuffer[]): void {
    if (this.gone) throw this.gone;
    this.port.postMessage(m, transfer);
  }

  private request(m: Request): Promise<Extract<Reply, { t: 'ok' }>> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => {
      this.pending.set(m.id, { resolve, reject });
      this.send(m);
    });
  }

  private onMessage(raw: unknown): void {
    const m = decode(ReplySchema, raw, 'file system reply');
    if (m instanceof CumulusError) {
      this.stats.badMessages++;
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'number') this.failRequest(id, new CumulusError('INTERNAL', `a malformed message from the peer thread: ${m.message}`));
      return;
    }
    if (m.t === 'want') {
      const u = this.uploads.get(m.id);
      if (u) {
        u.credit += m.n;
        u.wake?.();
        u.wake = null;
      }
      return;
    }
    const s = this.streams.get(m.id);
    if (s) {
      if (m.t === 'head') {
        s.head?.resolve({ t: 'ok', id: m.id, value: m.stat });
        s.head = null;
      } else if (m.t === 'chunk') {
        s.chunks.push(m.bytes);
      } else if (m.t === 'slot') {
        s.chunks.push(Buffer.from(this.sab!, m.slot * SLOT, m.n));
      } else if (m.t === 'done') {
        s.ended = true;
      } else if (m.t === 'err') {
        const e = decodeError(m.error);
        if (s.head) s.head.reject(e);
        s.head = null;
        s.error = e;
      }
      s.wake?.();
      s.wake = null;
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.t === 'ok') p.resolve(m);
    else if (m.t === 'err') p.reject(decodeError(m.error));
    else p.reject(new CumulusError('INTERNAL', `an unexpected ${m.t} from the peer thread`));
  }

  private failRequest(id: number, e: CumulusError): void {
    const p = this.pending.get(id);
    if (p) {
      this.pending.delete(id);
      return p.reject(e);
    }
    const s = this.streams.get(id);
    if (s) {
      s.head?.reject(e);
      s.head = null;
      s.error ??= e;
      s.wake?.();
    }
  }

  private async call(op: 'stat' | 'list' | 'mkdir' | 'rm' | 'usage', path: string, extra: { list?: ListOptions; parents?: boolean } = {}): Promise<Extract<Reply, { t: 'ok' }>> {
    const m: Request = { t: 'call', id: this.nextId++, op, path };
    if (extra.list) m.list = extra.list.marker === undefined ? { limit: extra.list.limit } : { limit: extra.list.limit, marker: extra.list.marker };
    if (extra.parents !== undefined) m.parents = extra.parents;
    return this.request(m);
  }

  async stat(path: string): Promise<Stat> {
    const r = await this.call('stat', path);
    const s = checked(StatShape, r.value, 'stat');
    if (r.known !== undefined) this.handles.set(s, r.known);
    return s;
  }

  async list(dir: string, opts: ListOptions): Promise<ListPage> {
    return checked(Type.Object({ entries: Type.Array(StatShape), next: Type.Optional(Type.String()) }), (await this.call('list', dir, { list: opts })).value, 'listing');
  }

  async mkdir(path: string, opts: { parents: boolean }): Promise<Stat> {
    return checked(StatShape, (await this.call('mkdir', path, { parents: opts.parents })).value, 'stat');
  }

  async rm(path: string): Promise<void> {
    await this.call('rm', path);
  }

  async usage(dir: string): Promise<Usage> {
    const n = Type.Number({ minimum: 0 });
    return checked(Type.Object({ bytesStored: n, bytesWithReplicas: n, objects: n, directories: n }), (await this.call('usage', dir)).value, 'usage');
  }

  async get(path: string, range?: ByteRange, known?: Stat): Promise<{ stat: FileStat; body: AsyncIterable<Uint8Array> }> {
    if (this.gone) throw this.gone;
    const id = this.nextId++;
    const s: Stream = { chunks: [], ended: false, error: null, wake: null, head: null };
    const head = new Promise<Extract<Reply, { t: 'ok' }>>((resolve, reject) => (s.head = { resolve, reject }));
    this.streams.set(id, s);
    const m: Request = { t: 'get', id, path, window: GET_WINDOW_CHUNKS };
    if (range) m.range = { start: range.start, end: range.end };
    const h = known ? this.handles.get(known) : undefined;
    if (h !== undefined) m.known = h;
    try {
      this.send(m);
      const stat = (await head).value as FileStat;
      return { stat, body: this.body(id, s) };
    } catch (e) {
      this.streams.delete(id);
      throw e;
    }
  }

  private body(id: number, s: Stream): AsyncIterable<Uint8Array> {
    const self = this;
    return (async function* () {
      let complete = false;
      let owed = 0;
      const batch = Number(process.env.CUMULUS_CREDIT_BATCH ?? 1);
      try {
        for (;;) {
          while (s.chunks.length === 0 && !s.ended && !s.error) await new Promise<void>((resolve) => (s.wake = resolve));
          const c = s.chunks.shift();
          if (c) {
            if (++owed >= batch && !self.gone) {
              self.send({ t: 'more', id, n: owed });
              owed = 0;
            }
            yield c;
          } else if (s.error) {
            throw s.error;
          } else {
            complete = true;
            return;
          }
        }
      } finally {
        self.streams.delete(id);
        // A reader that stops early (a client gone) stops the worker's read too.
        if (!complete && !s.error && !self.gone) self.send({ t: 'cancel', id });
      }
    })();
  }

  async put(path: string, body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<FileStat> {
    const id = this.nextId++;
    const u: Upload = { credit: 0, wake: null };
    this.uploads.set(id, u);
    const o: PutOptions = { replicas: opts.replicas };
    if (opts.sizeBytes !== undefined) o.sizeBytes = opts.sizeBytes;
    if (opts.maxBytes !== undefined) o.maxBytes = opts.maxBytes;
    if (opts.contentType !== undefined) o.contentType = opts.contentType;
    let settled = false;
    let onSettled: () => void = () => {};
    const settledSignal = new Promise<null>((resolve) => (onSettled = () => resolve(null)));
    const result = this.request({ t: 'put', id, path, opts: o }).finally(() => {
      settled = true;
      onSettled();
      u.wake?.();
    });
    result.catch(() => undefined);
    try {
      const it = body[Symbol.asyncIterator]();
      try {
        for (;;) {
          // Credit first: the worker asks for the body only once it has checked the request (a
          // refusal comes before any of it is read), and then a window at a time.
          while (u.credit <= 0 && !settled && !this.gone) await new Promise<void>((resolve) => (u.wake = resolve));
          if (settled || this.gone) break;
          const r = await Promise.race([it.next(), settledSignal]);
          if (r === null || settled || this.gone) break;
          if (r.done) {
            this.send({ t: 'end', id });
            break;
          }
          if (r.value.length === 0) continue;
          u.credit--;
          const copy = new Uint8Array(r.value);
          this.send({ t: 'data', id, bytes: copy }, [copy.buffer]);
        }
      } catch (e) {
        // The body failed here (a client gone, a length check): the worker's put fails with it,
        // and the caller sees the original error.
        if (!settled && !this.gone) this.send({ t: 'fail', id, error: encodeError(e) });
        await result.catch(() => undefined);
        throw e;
      }
      const r = await result;
      return checked(StatShape, r.value, 'stat') as FileStat;
    } finally {
      this.uploads.delete(id);
    }
  }
}

function checked<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  const r = check(schema, value, `${what} from the peer thread`);
  if (!r.ok) throw new CumulusError('INTERNAL', r.error.message);
  return r.value;
}
