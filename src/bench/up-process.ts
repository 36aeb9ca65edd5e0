// `cumulus up` as a child process, the way a newcomer starts a local cloud: the server (with its
// own peer and the drop-in gateway) and its volunteers in processes of their own. Tests and benches
// that must stop or freeze the Cumulus server (SIGSTOP by pid) start it this way.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The `cumulus` binary of this checkout (it runs the built dist/). */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'cumulus.js');

export interface Ready {
  url: string;
  token: string;
  /** The volunteer processes `up` started, and their peers' ids in the same order. */
  pids: number[];
  ids: string[];
  /** The id of the server's own peer. */
  serverPeerId?: string;
  /** The S3 door and the default user's access key. */
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
}

/** How long `up` gets to stop its volunteers on Ctrl-C before it is killed. */
const STOP_GRACE_MS = 10_000;

/** `cumulus up --port 0 --json` plus `args`; resolves once it printed its ready line. */
export async function startUp(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ up: ChildProcess; ready: Ready }> {
  // e.g. CUMULUS_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles `up` and the volunteers it forks.
  const nodeArgs = env.CUMULUS_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const up = spawn(process.execPath, [...nodeArgs, BIN, 'up', '--port', '0', '--json', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    let out = '';
    up.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as Ready);
    });
    up.once('exit', (code) => reject(new Error(`cumulus up exited with ${code}`)));
  });
  return { up, ready };
}

/** Stop `up` as Ctrl-C would (it stops its volunteers); a frozen one is woken first. */
export async function stopUp(up: ChildProcess): Promise<void> {
  if (up.exitCode !== null || up.signalCode !== null || up.pid === undefined) return;
  const exited = new Promise<void>((resolve) => up.once('exit', () => resolve()));
  process.kill(up.pid, 'SIGCONT');
  up.kill('SIGINT');
  const timer = setTimeout(() => up.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
