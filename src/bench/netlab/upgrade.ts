// A relayed link that moves to a direct one, across two port-restricted NATs of the lab: while
// the routers drop traffic between the two homes (a firewall that has not yet opened), the
// volunteers' link can only go through the TURN relay, and the direct attempt the lower id makes
// once the link settles (src/runtime/link-upgrade.ts) fails. Once the block is lifted, a volunteer
// is asked over its control channel to try its relayed links again, and the link moves onto a
// direct connection. Run by src/bench/netlab/upgrade.test.ts from dist/, like the lab's other runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnVolunteer, type VolunteerProcess } from '../../host/volunteer-process.js';
import { waitForConsistentRing } from '../../host/local-ring.js';
import { nodePeer, type BenchPeer, type BenchStatus } from '../bench-peers.js';
import { runLookups } from '../ring.js';
import { startCoturn, TURN_PORT, type Coturn } from './coturn.js';
import { createLab, type Lab, type LabHome } from './lab.js';

const SERVER_PORT = 8080;
const WAIT_MS = 90_000;
const POLL_MS = 250;
const BLOCK_TABLE = 'cumulus_block';

export interface UpgradeLabResult {
  /** The link between the two homes' volunteers as first read, once the block was lifted, and at the end. */
  kindFirst: string;
  kindBeforeRetry: string;
  kindAfter: string;
  /** The lower id's automatic direct attempts while the homes were blocked, and how many failed. */
  autoTries: number;
  autoFailed: number;
  /** Links moved onto a new connection, by each volunteer. */
  moved: [number, number];
  consistent: boolean;
  lookupSuccess: number;
}

export async function runUpgradeLab(): Promise<UpgradeLabResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-upgrade-'));
  let lab: Lab | null = null;
  let turn: Coturn | null = null;
  const procs: VolunteerProcess[] = [];
  try {
    lab = await createLab(['port-restricted', 'port-restricted']);
    turn = await startCoturn(lab);
    const [h0, h1] = lab.homes as [LabHome, LabHome];
    const url = `http://${lab.pubAddr}:${SERVER_PORT}`;
    procs.push(await spawnVolunteer({
      serverUrl: url, dataDir: join(dir, 'server'), netns: lab.pubNs,
      args: ['serve', '--host', lab.pubAddr, '--port', String(SERVER_PORT), '--data', join(dir, 'server'),
        '--ice-server', `stun:${lab.pubAddr}:${TURN_PORT}`, '--ice-server', `turn:${lab.pubAddr}:${TURN_PORT}?transport=udp`,
        '--turn-secret-file', turn.secretFile, '--ice-interfaces', 'all', '--lend-storage'],
    }));
    block(lab, h0, h1.wanAddr);
    block(lab, h1, h0.wanAddr);
    const v0 = await spawnVolunteer({ serverUrl: url, dataDir: join(dir, 'v0'), netns: h0.ns, iceInterfaces: 'all' });
    procs.push(v0);
    const v1 = await spawnVolunteer({ serverUrl: url, dataDir: join(dir, 'v1'), netns: h1.ns, iceInterfaces: 'all' });
    procs.push(v1);
    const peers: BenchPeer[] = procs.map(nodePeer);
    const status = (v: VolunteerProcess) => v.request('status') as Promise<BenchStatus>;
    const kindOf = async () => (await status(v0)).connections?.open[v1.id] ?? 'none';

    const kindFirst = await until(kindOf, (k) => k !== 'none' && k !== 'unknown');
    // The link settles as relayed and the lower id tries a direct pair, which the block fails.
    const low = v0.id < v1.id ? v0 : v1;
    const auto = await until(async () => (await status(low)).connections?.upgrades, (u) => (u?.failed ?? 0) > 0);
    // The firewall opens: a direct pair between the two NATs' mappings now works.
    unblock(lab, h0);
    unblock(lab, h1);
    const kindBeforeRetry = await kindOf();
    await v1.request('retry-direct');
    const upgrades = async () => [(await status(v0)).connections?.upgrades, (await status(v1)).connections?.upgrades];
    const both = await until(upgrades, ([a, b]) => (a?.moved ?? 0) > 0 && (b?.moved ?? 0) > 0);
    const moved: [number, number] = [both[0]?.moved ?? 0, both[1]?.moved ?? 0];
    const kindAfter = await until(kindOf, (k) => k !== 'unknown' && k !== 'none');
    const consistent = await waitForConsistentRing(() => Promise.all(peers.map((p) => p.status())), WAIT_MS, POLL_MS);
    const lookups = await runLookups(peers, 20);
    return { kindFirst, autoTries: auto?.tries ?? 0, autoFailed: auto?.failed ?? 0, kindBeforeRetry, kindAfter, moved, consistent, lookupSuccess: lookups.success };
  } finally {
    await Promise.allSettled(procs.map((p) => p.stop()));
    await turn?.stop();
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drop everything the home's router would forward to `addr` (before its NAT's own rules). */
function block(lab: Lab, home: LabHome, addr: string): void {
  lab.run(home.routerNs, 'nft', [
    `add table ip ${BLOCK_TABLE} ; add chain ip ${BLOCK_TABLE} hold { type filter hook forward priority -10 ; policy accept ; } ; add rule ip ${BLOCK_TABLE} hold ip daddr ${addr} drop`,
  ]);
}

function unblock(lab: Lab, home: LabHome): void {
  lab.run(home.routerNs, 'nft', ['delete', 'table', 'ip', BLOCK_TABLE]);
}

/** Poll `read` until `done` holds, within WAIT_MS. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`gave up after ${WAIT_MS} ms at ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
