// Start `cumulus up` as a child process, the way a newcomer would, and wait for its ready line:
// the CLI tests then drive the cloud with the real `cumulus` binary only.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The `cumulus` binary of this checkout (it runs the built dist/). */
export const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'cumulus.js');

export interface Ready {
  url: string;
  token: string;
  /** The volunteer processes `up` started. */
  pids: number[];
}

/** `cumulus up --port 0 --json` plus `args`; resolves once it printed its ready line. */
export async function startUp(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ up: ChildProcess; ready: Ready }> {
  const up = spawn(process.execPath, [BIN, 'up', '--port', '0', '--json', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
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
