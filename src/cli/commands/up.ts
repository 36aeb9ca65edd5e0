// `cumulus up [--peers N] [--port P] [--data DIR] [--quota-mb N]`: the embedded default, a whole
// local cloud. A server (volunteer page, signaling, REST gateway, its own peer) and N `cumulus
// volunteer` processes on this machine, data under one directory, a default user whose token is
// kept there so every `up` prints the same one. One ready line, then example commands; Ctrl-C stops every
// process it started (by pid) and leaves nothing running.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { PeerStatus } from '../../peer/peer.js';
import { ringConsistent } from '../../peer/ring-view.js';
import { startCloudServer, type CloudServer } from '../../server/cloud.js';
import type { ServerPeer } from '../../server/own-peer.js';
import { fullStatus } from '../../host/control.js';
import { shutdownNodeRtc } from '../../runtime/node-rtc.js';
import { spawnVolunteer, type VolunteerProcess } from '../../host/volunteer-process.js';

/** The user `cumulus up` creates for the developer at the keyboard. */
export const DEFAULT_USER = 'dev';
/** Longest wait for the volunteers and the server's peer to form a consistent ring. */
const CONVERGE_MS = 60_000;
const POLL_MS = 200;

async function ringSettled(own: ServerPeer, volunteers: VolunteerProcess[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const statuses = async () => [fullStatus(own) as unknown as PeerStatus, ...(await Promise.all(volunteers.map(async (v) => (await v.request('status')) as PeerStatus)))];
    if (await statuses().then(ringConsistent, () => false)) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function defaultToken(cloud: CloudServer, dataDir: string): Promise<string> {
  const file = join(dataDir, `${DEFAULT_USER}.token`);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if ((await cloud.users.authenticate(token)) === DEFAULT_USER) return token;
    await cloud.users.remove(DEFAULT_USER).catch(() => undefined);
  }
  const token = await cloud.users.add(DEFAULT_USER, Date.now());
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start a local cloud: a server and volunteer peers on this machine, ready for files')
    .option('--peers <n>', 'volunteer processes to start', '3')
    .option('--port <port>', 'TCP port of the server', '8080')
    .option('--data <dir>', 'directory for everything the local cloud keeps', '.cumulus')
    .option('--quota-mb <n>', 'storage each volunteer lends, in MiB (the volunteer default when absent)')
    .option('--json', 'print the ready line as JSON')
    .action(async (opts: { peers: string; port: string; data: string; json?: boolean; quotaMb?: string }) => {
      const peers = Number(opts.peers);
      if (!Number.isInteger(peers) || peers < 0 || peers > 64) throw new Error('--peers takes a whole number from 0 to 64');
      const quotaMb = opts.quotaMb === undefined ? undefined : Number(opts.quotaMb);
      if (quotaMb !== undefined && !(Number.isFinite(quotaMb) && quotaMb >= 0)) throw new Error(`--quota-mb must be a number of MiB, not ${opts.quotaMb}`);
      const dataDir = resolve(opts.data);
      mkdirSync(dataDir, { recursive: true });
      const cloud = await startCloudServer({ port: Number(opts.port), host: '127.0.0.1', dataDir });
      const volunteers: VolunteerProcess[] = [];
      let stopping: Promise<void> | null = null;
      const stop = () => (stopping ??= (async () => {
        await Promise.allSettled(volunteers.map((v) => v.stop()));
        await cloud.close();
        shutdownNodeRtc();
      })());
      const exit = () => void stop().then(() => process.exit(0));
      process.once('SIGINT', exit);
      process.once('SIGTERM', exit);
      try {
        const url = cloud.server.url;
        for (let i = 0; i < peers; i++) volunteers.push(await spawnVolunteer({ serverUrl: url, dataDir: join(dataDir, `volunteer-${i}`), ...(quotaMb === undefined ? {} : { quotaMb }) }));
        // Ready only once the ring agrees on who owns what: while a joining volunteer still moves
        // keys, a first mkdir could land at one owner and the next request look at another.
        if (cloud.peer && !(await ringSettled(cloud.peer, volunteers, CONVERGE_MS))) {
          throw new Error(`the ring of the server and ${peers} volunteers was not consistent within ${CONVERGE_MS} ms`);
        }
        const token = await defaultToken(cloud, dataDir);
        const ready = { ready: true, url, user: DEFAULT_USER, token, peers: peers + 1, pids: volunteers.map((v) => v.pid) };
        if (opts.json) return void process.stdout.write(`${JSON.stringify(ready)}\n`);
        process.stdout.write([
          `cumulus up: ready at ${url} with ${peers} volunteers and the server's peer on the ring (data in ${dataDir})`,
          '',
          `  export CUMULUS_URL=${url} CUMULUS_TOKEN=${token}`,
          '  npx cumulus mkdir notes',
          '  echo hello | npx cumulus put notes/hello.txt',
          '  npx cumulus ls -l notes',
          '  npx cumulus get notes/hello.txt',
          `  open ${url}/ in a browser to add a volunteer tab; Ctrl-C stops everything`,
          '',
        ].join('\n'));
      } catch (e) {
        await stop();
        throw e;
      }
    });
}
