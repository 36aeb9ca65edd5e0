// `cumulus ls | get | put | rm | mkdir | info | nodes | status` over the REST gateway, and
// `cumulus user add`. They read CUMULUS_URL and CUMULUS_TOKEN (or --url and --token), write data to
// stdout and messages to stderr, and exit with the codes of ../exit-codes.ts.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import { parseOption } from '../../core/options.js';
import { REPLICAS } from '../../services/storage/constants.js';
import { Cumulus, InvalidArgumentError, type Entry } from '../../sdk/index.js';
import { EXIT, UsageError, exitCodeFor } from '../exit-codes.js';
import { processIo, type Io } from '../io.js';
import { progressFor } from '../progress.js';
import { download } from '../download.js';
import { registerUser } from './user.js';
import { DEFAULT_URL } from '../defaults.js';
import { registerFind, registerJob } from './job.js';
import { registerCloud } from './cloud.js';


export interface ConnOpts { url?: string; token?: string; json?: boolean }

export function withConn(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'gateway address (default: $CUMULUS_URL or ' + DEFAULT_URL + ')')
    .option('--token <token>', 'bearer token (default: $CUMULUS_TOKEN)')
    .option('--json', 'machine-readable output: one JSON object per line');
}

export function client(io: Io, o: ConnOpts): Cumulus {
  // An empty variable counts as unset, the way shells usually mean it.
  const token = o.token || io.env.CUMULUS_TOKEN;
  if (!token) throw new UsageError('no token: pass --token or set CUMULUS_TOKEN (create one with `cumulus user add NAME`)');
  const url = o.url || io.env.CUMULUS_URL || DEFAULT_URL;
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`gateway address "${url}" is not an http(s) URL`);
  try {
    return new Cumulus({ url, token });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function line(out: Writable, text: string): void {
  out.write(text + '\n');
}

/** Run an action, turning any failure into a message on stderr and an exit code. */
export function action(io: Io, name: string, fn: (...args: never[]) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    try {
      await fn(...(args as never[]));
    } catch (e) {
      const cmd = args[args.length - 1] as Command;
      const json = (cmd.opts() as ConnOpts).json === true;
      const code = (e as { code?: unknown }).code;
      const message = (e as Error).message ?? String(e);
      if (json) line(io.stderr, JSON.stringify({ error: { code: typeof code === 'string' ? code : 'Error', message } }));
      else line(io.stderr, `cumulus ${name}: ${message}`);
      io.setExitCode(exitCodeFor(e));
    }
  };
}

function longLine(e: Entry): string {
  const kind = e.type === 'directory' ? 'd' : '-';
  return `${kind} ${String(e.size).padStart(12)} ${e.mtime} ${e.name}${e.type === 'directory' ? '/' : ''}`;
}

function registerLs(program: Command, io: Io): void {
  withConn(program.command('ls [path]').description('list a directory (default: your home)'))
    .option('-l, --long', 'type, size and time of each entry')
    .action(action(io, 'ls', async (path: string | undefined, o: ConnOpts & { long?: boolean }) => {
      const cloud = client(io, o);
      const print = (e: Entry) => line(io.stdout, o.json ? JSON.stringify(e) : o.long ? longLine(e) : e.name + (e.type === 'directory' ? '/' : ''));
      try {
        for await (const e of cloud.ls(path ?? '~')) print(e);
      } catch (e) {
        // Like Unix ls, naming an object lists just that object.
        if (!(e instanceof InvalidArgumentError && e.code === 'NotADirectory')) throw e;
        print(await cloud.info(path ?? '~'));
      }
    }));
}

function registerGet(program: Command, io: Io): void {
  withConn(program.command('get <path> [file]').description('download an object to a file, or to stdout'))
    .action(action(io, 'get', async (path: string, file: string | undefined, o: ConnOpts) => {
      // A file appears under its name only complete and verified (download.ts).
      const got = await download(client(io, o), path, file ? { file } : { out: io.stdout }, (size) => progressFor(io, basename(path), size, o.json === true));
      if (o.json && file) line(io.stdout, JSON.stringify({ path, file, size: got.size, etag: got.etag }));
    }));
}

function registerPut(program: Command, io: Io): void {
  withConn(program.command('put <path> [file]').description('upload a file, or stdin when no file is given'))
    .option('-r, --replicas <copies>', `${REPLICAS.description}, ${REPLICAS.min} to ${REPLICAS.max} (default: the cloud's, ${REPLICAS.default})`)
    // The flag's earlier name, kept for scripts.
    .addOption(new Option('-d, --durability <copies>').hideHelp())
    .option('-t, --type <mediaType>', 'media type stored with the object')
    .action(action(io, 'put', async (path: string, file: string | undefined, o: ConnOpts & { replicas?: string; durability?: string; type?: string }) => {
      // Data from stdin has no name to put below a directory, and storing it as the directory's
      // own name would surprise: refuse, as cloud CLIs do, rather than guess.
      if (!file && path.endsWith('/')) throw new UsageError(`${path} names a directory and stdin has no name: give the object's full path (put ${path}NAME)`);
      const cloud = client(io, o);
      const remote = file && path.endsWith('/') ? path + basename(file) : path;
      const asked = o.replicas ?? o.durability;
      const replicas = asked === undefined ? undefined : parseOption(REPLICAS, asked, '--replicas');
      const sizeBytes = file ? (await stat(file)).size : undefined;
      const bar = progressFor(io, basename(remote), sizeBytes, o.json === true);
      const source = (file ? createReadStream(file) : io.stdin).pipe(bar.counter());
      try {
        const r = await cloud.put(remote, source, {
          ...(replicas !== undefined ? { replicas } : {}),
          ...(o.type ? { contentType: o.type } : {}),
          ...(sizeBytes !== undefined ? { sizeBytes } : {}),
        });
        if (o.json) line(io.stdout, JSON.stringify(r));
      } finally {
        bar.stop();
      }
    }));
}

function registerSmall(program: Command, io: Io): void {
  withConn(program.command('rm <paths...>').description('remove objects or empty directories'))
    .option('-r, --recursive', 'remove directories and everything below them')
    .action(action(io, 'rm', async (paths: string[], o: ConnOpts & { recursive?: boolean }) => {
      const cloud = client(io, o);
      for (const p of paths) await cloud.rm(p, { recursive: o.recursive === true });
    }));
  withConn(program.command('mkdir <paths...>').description('create directories'))
    .option('-p, --parents', 'create missing parents too')
    .action(action(io, 'mkdir', async (paths: string[], o: ConnOpts & { parents?: boolean }) => {
      const cloud = client(io, o);
      for (const p of paths) await cloud.mkdir(p, { parents: o.parents === true });
    }));
  withConn(program.command('info <path>').description('type, size, etag, replicas and time of an object or directory'))
    .action(action(io, 'info', async (path: string, o: ConnOpts) => {
      const info = await client(io, o).info(path);
      if (o.json) line(io.stdout, JSON.stringify(info));
      else for (const [k, v] of Object.entries(info)) line(io.stdout, `${k}: ${String(v)}`);
    }));
  withConn(program.command('nodes').description('the ring\'s peers the server knows: kind, link path, last contact, and their metadata'))
    .action(action(io, 'nodes', async (o: ConnOpts) => {
      for (const n of await client(io, o).nodes()) {
        const kind = String(n.meta.kind ?? 'peer').padEnd(6);
        const link = String(n.meta.link ?? '-').padEnd(7);
        const seen = n.lastSeenMs > 0 ? new Date(n.lastSeenMs).toISOString() : 'never heard'.padEnd(24);
        line(io.stdout, o.json ? JSON.stringify(n) : `${n.id} ${kind} ${link} ${seen} ${JSON.stringify(n.meta)}`);
      }
    }));
  withConn(program.command('status').description('is the gateway reachable, whose token is this, how much is stored'))
    .action(action(io, 'status', async (o: ConnOpts) => {
      const s = await client(io, o).status();
      if (o.json) {
        line(io.stdout, JSON.stringify(s));
        return;
      }
      line(io.stdout, `gateway: ${s.url} (reachable)`);
      line(io.stdout, `user:    ${s.user}`);
      line(io.stdout, `nodes:   ${s.nodes}`);
      const u = s.report.usage;
      const open = u?.openUploadBytes ? `; ${u.openUploadBytes} of them in open S3 multipart uploads` : '';
      if (u) line(io.stdout, `stored:  ${u.bytesStored} bytes in ${u.objects} objects (${u.bytesWithReplicas} with replicas${open})`);
      line(io.stdout, `requests: ${s.report.requests.requests} (${s.report.requests.errors} failed)`);
    }));
}

/** Register the file commands and `user add` on the program. */
export function registerFiles(program: Command, io: Io = processIo()): void {
  registerLs(program, io);
  registerGet(program, io);
  registerPut(program, io);
  registerSmall(program, io);
  registerUser(program, io, action);
  registerFind(program, io);
  registerJob(program, io);
  registerCloud(program, io);
}

export { EXIT };
