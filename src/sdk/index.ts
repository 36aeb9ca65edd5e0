// The Cumulus SDK: a typed client of the REST gateway over fetch, for Node 20+ and browsers.
//   const cloud = new Cumulus({ url: 'http://localhost:8080', token });
//   await cloud.put('~/notes.txt', new TextEncoder().encode('hello'));
//   for await (const e of cloud.ls('~')) console.log(e.name);
// Paths: `~/x` and relative `x` are in the token owner's home; absolute paths are used as given.
import { InvalidArgumentError, NetworkError, errorFromResponse } from './errors.js';
import { iterableToStream, parseJsonLines, type Body } from './streams.js';
import { JobsCalls, type JobError, type JobReport, type JobSpec, type JobStatus } from './jobs.js';
import { CloudCalls, type CloudAttributes, type CloudStats, type Slice, type SliceSummary } from './cloud.js';

export * from './errors.js';
export type { Body } from './streams.js';
export type { JobSpec, JobPhase, JobStatus, JobPhaseStatus, JobError, JobReport } from './jobs.js';
export type { CloudAttributes, CloudStats, Slice, SliceSummary } from './cloud.js';

/** Page size the SDK asks for when iterating; the gateway allows at most 1024. */
export const SDK_PAGE_ENTRIES = 256;
/** nodes() stops after this many, so a huge registry cannot exhaust a browser tab. */
export const MAX_SDK_NODES = 100_000;

export interface CumulusOptions {
  url: string;
  token: string;
  fetch?: typeof fetch;
}

export interface Entry {
  name: string;
  type: 'object' | 'directory';
  /** ISO 8601. */
  mtime: string;
  size: number;
  etag?: string;
  /** Copies of each chunk the cloud keeps. */
  replicas?: number;
}

export interface Info extends Entry {
  path: string;
  contentType?: string;
}

/** What the gateway shows about one node. `meta` is free-form (cpu, storage offered, browser …). */
export interface NodeInfo {
  /** 40 hex characters. */
  id: string;
  rings: Array<'base' | 'asc'>;
  joinedMs: number;
  lastSeenMs: number;
  meta: Record<string, string | number | boolean>;
}

export interface Report {
  user: string;
  usage?: { bytesStored: number; bytesWithReplicas: number; objects: number; directories: number; openUploadBytes?: number };
  requests: { requests: number; errors: number; bytesIn: number; bytesOut: number };
  accessLog: Array<{ timeMs: number; method: string; path: string; status: number; bytesIn: number; bytesOut: number; durationMs: number }>;
}

export interface GetResult {
  body: ReadableStream<Uint8Array>;
  etag: string | undefined;
  /** Bytes in `body` (the range's length for a partial answer). */
  size: number;
  /** Bytes of the whole object. */
  totalSize: number;
  contentType: string | undefined;
  /** True when If-None-Match matched: the body is empty and the caller's copy is current. */
  notModified: boolean;
}

export interface Status {
  url: string;
  user: string;
  nodes: number;
  report: Report;
}

/** The user a token belongs to: tokens read `<user>.<secret>`. */
export function tokenUser(token: string): string {
  const dot = token.indexOf('.');
  if (dot <= 0) throw new Error('a Cumulus token reads <user>.<secret>; this one has no user part');
  return token.slice(0, dot);
}

function parseNumber(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export class Cumulus {
  readonly url: string;
  readonly user: string;
  private readonly token: string;
  private readonly fetchFn: typeof fetch;
  private readonly jobs: JobsCalls;
  private readonly cloud: CloudCalls;

  constructor(opts: CumulusOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token;
    this.user = tokenUser(opts.token);
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.jobs = new JobsCalls((method, path, what, init, query) => this.request(method, this.urlOf(path, query), what, init), this.user);
    this.cloud = new CloudCalls((method, path, what, query) => this.request(method, this.urlOf(path, query), what), this.user);
  }

  /** The cloud's live estimates (peers, totals, means, maxima, deciles), learned by gossip. */
  stats(): Promise<CloudStats> {
    return this.cloud.stats();
  }

  /** The caller's slices. */
  slices(): Promise<SliceSummary[]> {
    return this.cloud.slices();
  }

  /** Allocate a slice of `size` free peers, of the top fraction `top` by `by` when given. */
  createSlice(name: string, opts: { size: number; top?: number; by?: keyof CloudAttributes }): Promise<Slice> {
    return this.cloud.create(name, opts);
  }

  /** A slice's members, in id order (its ring). */
  slice(name: string): Promise<Slice> {
    return this.cloud.show(name);
  }

  /** Grow (count > 0) or shrink (count < 0) a slice. */
  resizeSlice(name: string, count: number): Promise<Slice> {
    return this.cloud.resize(name, count);
  }

  removeSlice(name: string): Promise<void> {
    return this.cloud.remove(name);
  }

  /** Create a job (its JSON, or the object); resolves to its id. Inputs follow with addInputs. */
  createJob(job: JobSpec | string): Promise<string> {
    if (typeof job === 'string') return this.jobs.create(job);
    return this.jobs.create({ ...job, phases: job.phases.map((p) => (p.assets === undefined ? p : { ...p, assets: p.assets.map((a) => this.resolve(a)) })) });
  }

  /** Add input paths to a job (`~/x` and `x` name files in the caller's home); resolves to its count of inputs. */
  async addInputs(id: string, paths: Iterable<string> | AsyncIterable<string>): Promise<number> {
    const resolve = (p: string) => this.resolve(p);
    return this.jobs.addInputs(id, (async function* () {
      for await (const p of paths) yield resolve(p);
    })());
  }

  endInputs(id: string): Promise<void> {
    return this.jobs.endInputs(id);
  }

  /** A job's status every intervalMs until it has ended. */
  watch(id: string, opts: { intervalMs?: number } = {}): AsyncGenerator<JobStatus> {
    return this.jobs.watch(id, opts);
  }

  /** The paths of a job's outputs (read each with get). */
  outputs(id: string): Promise<string[]> {
    return this.jobs.outputs(id);
  }

  inputs(id: string): Promise<string[]> {
    return this.jobs.inputs(id);
  }

  errors(id: string): Promise<JobError[]> {
    return this.jobs.errors(id);
  }

  /** The inputs whose tasks failed. */
  failures(id: string): Promise<string[]> {
    return this.jobs.failures(id);
  }

  cancel(id: string): Promise<void> {
    return this.jobs.cancel(id);
  }

  /** The caller's jobs, those in one state only when asked. */
  list(opts: { state?: JobStatus['state'] } = {}): Promise<JobStatus[]> {
    return this.jobs.list(opts);
  }

  /** A job's report: its status, inputs, outputs, errors and failures. */
  jobReport(id: string): Promise<JobReport> {
    return this.jobs.report(id);
  }

  /** Remove a finished job's archived report (its outputs stay). */
  deleteJobReport(id: string): Promise<void> {
    return this.jobs.deleteReport(id);
  }

  /** The absolute path a user-given path names: `~/x` and `x` are in the caller's home. */
  resolve(path: string): string {
    // URLs fold `.` and `..` away before the server could refuse them, so `a/../../x` would
    // quietly name another path: refuse them here, as the server does.
    if (path.split('/').some((s) => s === '.' || s === '..')) {
      throw new InvalidArgumentError(0, 'InvalidPath', `path may not contain "." or ".." segments: ${path.slice(0, 200)}`);
    }
    const home = `/${this.user}/home`;
    if (path === '' || path === '~' || path === '~/') return home;
    if (path.startsWith('~/')) return `${home}/${path.slice(2)}`;
    if (!path.startsWith('/')) return `${home}/${path}`;
    return path;
  }

  private urlOf(path: string, query?: Record<string, string | number | boolean | undefined>): string {
    const encoded = this.resolve(path).split('/').map(encodeURIComponent).join('/');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.url}${encoded}${qs ? `?${qs}` : ''}`;
  }

  private async request(method: string, url: string, what: string, init: RequestInit = {}, okStatuses: number[] = []): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.token}`);
    let res: Response;
    try {
      res = await this.fetchFn(url, { ...init, method, headers });
    } catch (e) {
      throw new NetworkError(`${what}: cannot reach ${this.url}: ${(e as Error).message}`, { cause: e });
    }
    if (!res.ok && !okStatuses.includes(res.status)) throw await errorFromResponse(res, what);
    return res;
  }

  /**
   * Store an object. Streams and async iterables are uploaded without being buffered. `replicas`
   * is the copies of each chunk to keep (the gateway checks it; absent, the cloud's default).
   */
  async put(path: string, body: Body, opts: { replicas?: number; contentType?: string; sizeBytes?: number; ifNoneMatch?: string } = {}): Promise<{ path: string; etag: string | undefined; replicas: number | undefined }> {
    const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/octet-stream' };
    if (opts.replicas !== undefined) headers.replicas = String(opts.replicas);
    if (opts.sizeBytes !== undefined) headers['content-length'] = String(opts.sizeBytes);
    if (opts.ifNoneMatch !== undefined) headers['if-none-match'] = opts.ifNoneMatch;
    const isBytes = body instanceof Uint8Array;
    const stream = isBytes ? undefined : body instanceof ReadableStream ? body : iterableToStream(body);
    // Streaming request bodies need `duplex: 'half'` in Node's fetch and in Chromium. They also
    // need `redirect: 'error'`: with any other mode fetch clones the request to replay it after a
    // redirect, and the clone tees the body, whose unread branch kept every byte sent (a 1 GiB
    // put grew the CLI to 1.2 GB of RSS in Node 20). The gateway never redirects.
    const streaming = { duplex: 'half', redirect: 'error' };
    const init = { headers, body: isBytes ? body : stream, ...(isBytes ? {} : streaming) } as RequestInit;
    const res = await this.request('PUT', this.urlOf(path), `put ${path}`, init);
    return { path: this.resolve(path), etag: res.headers.get('etag')?.replace(/"/g, ''), replicas: parseNumber(res.headers.get('replicas')) };
  }

  /** Read an object, or a byte range of it (`end` inclusive, as in HTTP). */
  async get(path: string, opts: { range?: { start: number; end?: number }; ifNoneMatch?: string } = {}): Promise<GetResult> {
    const headers: Record<string, string> = {};
    if (opts.range) headers.range = `bytes=${opts.range.start}-${opts.range.end ?? ''}`;
    if (opts.ifNoneMatch) headers['if-none-match'] = opts.ifNoneMatch.startsWith('"') ? opts.ifNoneMatch : `"${opts.ifNoneMatch}"`;
    const res = await this.request('GET', this.urlOf(path), `get ${path}`, { headers }, [304]);
    if ((res.headers.get('content-type') ?? '').includes('type=directory')) {
      await res.body?.cancel();
      throw new InvalidArgumentError(400, 'IsADirectory', `get ${path}: is a directory (use ls)`);
    }
    const size = parseNumber(res.headers.get('content-length')) ?? 0;
    const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
    return {
      body: res.body ?? new ReadableStream({ start: (c) => c.close() }),
      etag: res.headers.get('etag')?.replace(/"/g, ''),
      size,
      totalSize: total !== undefined ? Number(total) : size,
      contentType: res.headers.get('content-type') ?? undefined,
      notModified: res.status === 304,
    };
  }

  /** Every entry of a directory, fetching pages as the caller iterates. */
  async *ls(dir: string, opts: { limit?: number; marker?: string } = {}): AsyncIterableIterator<Entry> {
    let marker = opts.marker;
    do {
      const res = await this.request('GET', this.urlOf(dir, { limit: opts.limit ?? SDK_PAGE_ENTRIES, marker }), `ls ${dir}`);
      if (!(res.headers.get('content-type') ?? '').includes('type=directory')) {
        await res.body?.cancel();
        throw new InvalidArgumentError(400, 'NotADirectory', `ls ${dir}: is not a directory`);
      }
      const entries = parseJsonLines<Entry>(await res.text());
      yield* entries;
      marker = res.headers.get('next-marker') ?? undefined;
    } while (marker !== undefined);
  }

  async mkdir(path: string, opts: { parents?: boolean } = {}): Promise<void> {
    const url = this.urlOf(path, { parents: opts.parents ? true : undefined });
    await this.request('PUT', url, `mkdir ${path}`, { headers: { 'content-type': 'application/json; type=directory' } });
  }

  /** Remove an object or a directory; a non-empty directory only with `recursive`. */
  async rm(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    if (opts.recursive) {
      const info = await this.info(path);
      if (info.type === 'directory') {
        // Deleting while paging is safe: the marker is a name, not an offset.
        for await (const e of this.ls(path)) await this.rm(`${info.path}/${e.name}`, opts);
      }
    }
    await this.request('DELETE', this.urlOf(path), `rm ${path}`);
  }

  async info(path: string): Promise<Info> {
    const res = await this.request('HEAD', this.urlOf(path), `info ${path}`);
    const h = res.headers;
    const abs = this.resolve(path);
    const isDir = (h.get('content-type') ?? '').includes('type=directory');
    const info: Info = {
      path: abs, name: abs.slice(abs.lastIndexOf('/') + 1), type: isDir ? 'directory' : 'object',
      mtime: new Date(h.get('last-modified') ?? 0).toISOString(), size: isDir ? 0 : parseNumber(h.get('content-length')) ?? 0,
    };
    const etag = h.get('etag');
    if (etag) info.etag = etag.replace(/"/g, '');
    const replicas = parseNumber(h.get('replicas'));
    if (replicas !== undefined) info.replicas = replicas;
    if (!isDir && h.get('content-type')) info.contentType = h.get('content-type') as string;
    return info;
  }

  async nodes(): Promise<NodeInfo[]> {
    const out: NodeInfo[] = [];
    let marker: string | undefined;
    do {
      const res = await this.request('GET', this.urlOf('/nodes/', { limit: 1024, marker }), 'nodes');
      out.push(...parseJsonLines<NodeInfo>(await res.text()));
      marker = res.headers.get('next-marker') ?? undefined;
    } while (marker !== undefined && out.length < MAX_SDK_NODES);
    return out;
  }

  async reports(opts: { limit?: number } = {}): Promise<Report> {
    const res = await this.request('GET', this.urlOf(`/${this.user}/reports/`, { limit: opts.limit }), 'reports');
    return (await res.json()) as Report;
  }

  /** Is the gateway reachable and does it accept the token? Node count and this user's usage. With a job's id: that job's status. */
  async status(): Promise<Status>;
  async status(jobId: string): Promise<JobStatus>;
  async status(jobId?: string): Promise<Status | JobStatus> {
    if (jobId !== undefined) return this.jobs.status(jobId);
    const nodesRes = await this.request('GET', this.urlOf('/nodes/', { limit: 1 }), 'status');
    await nodesRes.body?.cancel();
    const nodes = parseNumber(nodesRes.headers.get('result-set-size')) ?? 0;
    return { url: this.url, user: this.user, nodes, report: await this.reports({ limit: 1 }) };
  }
}
