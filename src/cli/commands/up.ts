// `cumulus up [--peers N] [--port P] [--data DIR] [--quota-mb N]`: the embedded default, a whole
// local cloud. A server (volunteer page, signaling, REST gateway, its own peer) and N `cumulus
// volunteer` processes on this machine, data under one directory, a default user whose token is
// kept there so every `up` prints the same one. One ready line, then example commands; Ctrl-C stops every
// process it started (by pid) and leaves nothing running.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startCloudServer, type CloudServer } from '../../server/cloud.js';
import { DEFAULT_HOST, S3_PREFIX } from '../../server/app.js';
import { LOG_LEVELS } from '../../server/logging.js';
import { logLevelOf } from './serve.js';
import { FileAccessKeyStore } from '../../server/s3/keys.js';
import { usersDir } from './user.js';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, VOLUNTEER_QUOTA_MIB } from '../defaults.js';
import { parseOption } from '../../core/options.js';
import { shutdownNodeRtc } from '../../runtime/node-rtc.js';
import { spawnVolunteer, type VolunteerProcess } from '../../host/volunteer-process.js';
import { storedPeerId } from '../../host/node-peer.js';
import type { PeerId } from '../../core/id.js';
import { LOCAL_RING_CONVERGE_MS, localStatuses, waitForConsistentRing, withTimeout } from '../../host/local-ring.js';
import { REPLICAS } from '../../services/storage/constants.js';

/** The user `cumulus up` creates for the developer at the keyboard. */
export const DEFAULT_USER = 'dev';

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

/** The default user's S3 access key, kept beside its token so every `up` prints the same one. */
async function defaultAccessKey(dataDir: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const keys = await FileAccessKeyStore.open(usersDir(dataDir));
  const file = join(dataDir, `${DEFAULT_USER}.s3key`);
  if (existsSync(file)) {
    const accessKeyId = readFileSync(file, 'utf8').trim();
    const known = await keys.lookup(accessKeyId);
    if (known?.user === DEFAULT_USER) return { accessKeyId, secretAccessKey: known.secretAccessKey };
  }
  const key = await keys.add(DEFAULT_USER, Date.now());
  writeFileSync(file, `${key.accessKeyId}\n`, { mode: 0o600 });
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start a local cloud: a server and volunteer peers on this machine, ready for files')
    .option('--peers <n>', `volunteer processes to start (default ${REPLICAS.default}, one per replica of the default durability)`, String(REPLICAS.default))
    .option('--lend-storage', `the server's own peer stands on the ring and lends storage too (implied by fewer than ${REPLICAS.default} peers)`)
    .option('--port <port>', 'TCP port of the server', String(DEFAULT_PORT))
    .option('--data <dir>', 'directory for everything the local cloud keeps', DEFAULT_DATA_DIR)
    .option('--quota-mb <MiB>', `storage each volunteer lends, in MiB (default: the volunteer's, ${VOLUNTEER_QUOTA_MIB.default})`)
    .option('--log-level <level>', `structured logs on stderr: ${LOG_LEVELS.join(', ')}`, 'warn')
    .option('--s3-port <port>', 'also answer the S3 API at the root of this port (it always answers at /s3 on --port)')
    .option('--json', 'print the ready line as JSON')
    .action(async (opts: { peers: string; port: string; data: string; json?: boolean; quotaMb?: string; s3Port?: string; logLevel: string; lendStorage?: boolean }) => {
      const peers = Number(opts.peers);
      if (!Number.isInteger(peers) || peers < 0 || peers > 64) throw new Error('--peers takes a whole number from 0 to 64');
      const quotaMb = opts.quotaMb === undefined ? undefined : parseOption(VOLUNTEER_QUOTA_MIB, opts.quotaMb, '--quota-mb');
      const dataDir = resolve(opts.data);
      mkdirSync(dataDir, { recursive: true });
      // Our volunteers from the last run restart with the server, on no ring: its peer need not wait for them.
      const ours = await Promise.all(Array.from({ length: peers }, (_, i) => storedPeerId(join(dataDir, `volunteer-${i}`))));
      const startingWithIt = ours.filter((p): p is PeerId => p !== null);
      // By default the server's peer holds no data (it stands beside the ring): the volunteers
      // hold every replica. Fewer volunteers than the default durability cannot hold r copies of
      // a chunk, so the server's peer then lends storage too.
      const lendStorage = opts.lendStorage === true || peers < REPLICAS.default;
      const cloud = await startCloudServer({
        port: Number(opts.port), host: DEFAULT_HOST, dataDir, peerOptions: { startingWithIt, lendStorage },
        ...(opts.s3Port !== undefined ? { s3Port: Number(opts.s3Port) } : {}),
        logLevel: logLevelOf(opts.logLevel),
      });
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
        // keys, a first mkdir could land at one owner and the next request look at another. Peers
        // already on the ring that this command did not start (a volunteer of the user's own, the
        // server's peer joined their ring) count too: the server's peer found them in place.
        const others = () => cloud.server.members.verified();
        const own = await withTimeout(cloud.peerReady(), LOCAL_RING_CONVERGE_MS, 'the server\'s peer did not reach the volunteers\' ring');
        if (own && !(await waitForConsistentRing(localStatuses(own, volunteers), LOCAL_RING_CONVERGE_MS, undefined, others))) {
          throw new Error(`the ring of the server, ${peers} volunteers and ${others().length} other peers was not consistent within ${LOCAL_RING_CONVERGE_MS} ms`);
        }
        const token = await defaultToken(cloud, dataDir);
        const s3 = { endpoint: cloud.s3Url ?? `${url}${S3_PREFIX}`, ...(await defaultAccessKey(dataDir)) };
        const mine = new Set(volunteers.map((v) => v.id));
        const ready = {
          ready: true, url, volunteerPage: `${url}/`, dashboard: `${url}/dashboard`, user: DEFAULT_USER, token, s3, peers: peers + 1, serverLendsStorage: lendStorage, pids: volunteers.map((v) => v.pid), ids: volunteers.map((v) => v.id),
          ...(cloud.peer ? { serverPeerId: cloud.peer.id } : {}),
          otherPeers: others().filter((p) => !mine.has(p)).length,
          ...(cloud.peer ? { serverPeer: cloud.peer.start } : {}),
        };
        if (opts.json) return void process.stdout.write(`${JSON.stringify(ready)}\n`);
        process.stdout.write([
          `cumulus up: ready at ${url} with ${peers} volunteers ${lendStorage ? 'and the server\'s peer on the ring' : 'on the ring (the server\'s peer holds no data)'}${ready.otherPeers > 0 ? `, beside ${ready.otherPeers} peers already there` : ''} (data in ${dataDir})`,
          '',
          `  export CUMULUS_URL=${url} CUMULUS_TOKEN=${token}`,
          '  npx cumulus mkdir notes',
          '  echo hello | npx cumulus put notes/hello.txt',
          '  npx cumulus ls -l notes',
          '  npx cumulus get notes/hello.txt',
          `  S3 (path-style): endpoint ${s3.endpoint}, AWS_ACCESS_KEY_ID=${s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
          `  volunteer page: ${url}/ (open it in a browser to add a volunteer tab)`,
          `  dashboard:      ${url}/dashboard (the ring, counts and charts, live)`,
          '  Ctrl-C stops everything',
          '',
        ].join('\n'));
      } catch (e) {
        await stop();
        throw e;
      }
    });
}
