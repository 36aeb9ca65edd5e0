// The project's test application (test-app/notes/app.php, a server-rendered PHP notes app) run by
// Debian's PHP with its built-in server, in a process group of its own (the server forks workers).
// Its configuration is a file it reads on every request, so a test switches the drop-in's mode or
// failure policy without a restart. Its harness endpoints tell what it measured: POSTs in flight at
// once per action path, a timeline of POST starts and ends, and the notes it saved.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PHP_PATH = '/usr/bin/php';
const APP = join(import.meta.dirname, '..', '..', 'test-app', 'notes', 'app.php');
/** PHP workers serving requests in parallel: more than the pages that post at once, so the app itself never queues. */
const PHP_WORKERS = 16;
const START_TIMEOUT_MS = 10_000;

export interface NotesConfig {
  /** The Cumulus server whose drop-in the pages load; null: pages without it. */
  cumulusUrl: string | null;
  capacity: number;
  mode: 'queue' | 'throttle';
  waitMs: number;
  fail: 'open' | 'closed';
  /** How long the application takes per POST. */
  delayMs: number;
}

export interface NotesStats {
  posts: Record<string, number>;
  inFlight: Record<string, number>;
  maxInFlight: Record<string, number>;
}

/** One POST as the application saw it: when PHP started and finished it (Unix ms), and its edit's tag. */
export interface AppPost {
  path: string;
  tag: string;
  startMs: number;
  endMs: number;
}

export interface Note {
  edits: Array<{ body: string; tag: string; attachment: { name: string; bytes: number } | null }>;
}

export interface NotesApp {
  readonly url: string;
  configure(c: Partial<NotesConfig>): void;
  stats(): Promise<NotesStats>;
  posts(): Promise<AppPost[]>;
  notes(): Promise<Record<string, Note>>;
  stop(): Promise<void>;
}

export async function startNotesApp(config: NotesConfig): Promise<NotesApp> {
  if (!existsSync(PHP_PATH)) throw new Error(`${PHP_PATH} is missing: run scripts/ensure-debian.sh ${PHP_PATH} php-cli (apt-get install php-cli)`);
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-notes-'));
  mkdirSync(join(dir, 'notes'));
  writeFileSync(join(dir, 'events.log'), '');
  let current = config;
  const configure = (c: Partial<NotesConfig>) => {
    current = { ...current, ...c };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(current));
  };
  configure({});
  const php = spawn(PHP_PATH, ['-S', '127.0.0.1:0', APP], {
    env: { ...process.env, NOTES_DATA: dir, PHP_CLI_SERVER_WORKERS: String(PHP_WORKERS) },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let url: string;
  try {
    url = await listening(php);
  } catch (e) {
    await stopGroup(php);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const get = async (path: string) => {
    const r = await fetch(url + path);
    if (!r.ok) throw new Error(`notes app ${path}: ${r.status}`);
    return r;
  };
  return {
    url,
    configure,
    stats: async () => (await (await get('/__stats')).json()) as NotesStats,
    notes: async () => (await (await get('/__notes')).json()) as Record<string, Note>,
    posts: async () => parsePosts(await (await get('/__events')).text()),
    stop: async () => {
      await stopGroup(php);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The URL PHP says it serves (it picks the port: we asked for 0). */
function listening(php: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`php -S did not start within ${START_TIMEOUT_MS} ms: ${err.slice(0, 300)}`)), START_TIMEOUT_MS);
    php.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /Development Server \((http:\/\/127\.0\.0\.1:\d+)\) started/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
      if (err.length > 64 * 1024) err = err.slice(-1024);
    });
    php.once('exit', (code) => reject(new Error(`php -S exited with ${code}: ${err.slice(0, 300)}`)));
  });
}

/** The server and its workers share a process group (detached): end them all by its id. */
async function stopGroup(php: ChildProcess): Promise<void> {
  if (php.pid === undefined || php.exitCode !== null || php.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => php.once('exit', () => resolve()));
  try {
    process.kill(-php.pid, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}

/** Pair each POST's start and end lines (by path and tag, in order) from the app's event log. */
export function parsePosts(log: string): AppPost[] {
  const open = new Map<string, number[]>();
  const out: AppPost[] = [];
  for (const line of log.split('\n')) {
    const [kind, path, ms, tag = ''] = line.split(' ');
    if (!kind || !path || !ms) continue;
    const key = `${path} ${tag}`;
    if (kind === 'start') open.set(key, [...(open.get(key) ?? []), Number(ms)]);
    else if (kind === 'end') {
      const starts = open.get(key);
      const startMs = starts?.shift();
      if (startMs !== undefined) out.push({ path, tag, startMs, endMs: Number(ms) });
    }
  }
  return out;
}
