// The pieces of `cumulus bench restart` that stand for what a user runs: the server as its own
// process (`cumulus serve`, or `cumulus up` beside a ring), so that it can be stopped with SIGINT
// or killed with SIGKILL, and files stored and checked through its REST gateway with the SDK.
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer as createTcpServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Cumulus } from '../sdk/index.js';
import { STOP_GRACE_MS } from '../host/volunteer-process.js';

const CLI = fileURLToPath(new URL('../cli/main-bin.js', import.meta.url));
/** Longest a server (or `cumulus up`) may take to print its ready line: its peer may wait 30 s for the peers it knew. */
const SERVER_READY_MS = 90_000;
/** Output lines of a server process kept, to explain a failure. */
const MAX_KEPT_LINES = 40;

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Every line it printed (the last MAX_KEPT_LINES). */
  readonly lines: string[];
  /** How its peer found its ring: `attached`, `joined` or `created`, and why, as it has said so far. */
  readonly start: string;
  stop(signal: 'SIGINT' | 'SIGKILL'): Promise<void>;
}

/** A TCP port free on loopback now (the server is started on it, and again on it after a stop). */
export async function freePort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * Start `cumulus <args>` and resolve once `ready(line)` says a line is its ready line; `start`
 * reads how its peer found its ring from the lines so far.
 */
async function startCli(args: string[], ready: (line: string) => boolean, start: (lines: string[]) => string): Promise<ServerProcess> {
  const child = fork(CLI, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const lines: string[] = [];
  const keep = (d: Buffer) => {
    for (const l of d.toString().split('\n')) if (l.trim() !== '') lines.push(l);
    lines.splice(0, Math.max(0, lines.length - MAX_KEPT_LINES));
  };
  child.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cumulus ${args[0]} printed no ready line in ${SERVER_READY_MS} ms: ${lines.join(' | ')}`)), SERVER_READY_MS);
    child.stdout!.on('data', (d: Buffer) => {
      keep(d);
      if (lines.some(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cumulus ${args[0]} exited with ${code}: ${lines.join(' | ')}`));
    });
  });
  return {
    child, lines,
    get start() {
      return start(lines);
    },
    stop: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      // Ctrl-C as a user would press it; if the server does not go in time, it is killed.
      const timer = signal === 'SIGINT' ? setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS) : undefined;
      await gone;
      clearTimeout(timer);
    },
  };
}

/** `cumulus serve` on the port and data directory. */
export function startServe(port: number, dataDir: string): Promise<ServerProcess> {
  // Ready once it listens: its peer attaches beside the ring (and says so) once a volunteer is on one.
  return startCli(['serve', '--port', String(port), '--data', dataDir], (l) => l.startsWith('cumulus server on '), (lines) => lines.find((l) => l.startsWith('its peer ')) ?? '');
}

/** `cumulus up` with its own volunteers, on the port and data directory a server used before. */
export function startUp(port: number, dataDir: string, peers: number): Promise<ServerProcess> {
  return startCli(['up', '--port', String(port), '--data', dataDir, '--peers', String(peers), '--json'], (l) => l.startsWith('{'), (lines) => {
    const ready = JSON.parse(lines.find((l) => l.startsWith('{')) ?? '{}') as { serverPeer?: { outcome: string; via: string | null; reason: string } };
    const s = ready.serverPeer;
    return s === undefined ? '' : s.outcome === 'created' ? `created: ${s.reason}` : `${s.outcome} through ${s.via}`;
  });
}

/** Files of known content stored through the gateway under one directory of the user's home. */
export class GatewayFiles {
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly client: Cumulus,
    private readonly dir: string,
  ) {}

  get count(): number {
    return this.hashes.size;
  }

  /** Store n files of 1 KiB up to 512 KiB, their content drawn from `seed`. */
  async put(n: number, seed: number): Promise<void> {
    await this.client.mkdir(this.dir, { parents: true });
    for (let i = 0; i < n; i++) {
      const size = 1024 << (i % 10);
      const data = new Uint8Array(size);
      let x = (seed * 7919 + i * 104_729) >>> 0;
      for (let j = 0; j < size; j++) data[j] = (x = (x * 1_103_515_245 + 12_345) >>> 0) >>> 24;
      const name = `file-${i}.bin`;
      await this.client.put(`${this.dir}/${name}`, data);
      this.hashes.set(name, sha256(data));
    }
  }

  /** How many of the files the gateway lists, and how many it reads back intact; failures count as none. */
  async check(): Promise<{ listed: number; read: number }> {
    let listed = 0;
    try {
      for await (const e of this.client.ls(this.dir)) if (this.hashes.has(e.name)) listed++;
    } catch {
      return { listed: 0, read: 0 };
    }
    let read = 0;
    for (const [name, hash] of this.hashes) {
      try {
        const r = await this.client.get(`${this.dir}/${name}`);
        if (sha256(new Uint8Array(await new Response(r.body).arrayBuffer())) === hash) read++;
      } catch {
        // Not readable now: counted as not read.
      }
    }
    return { listed, read };
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
