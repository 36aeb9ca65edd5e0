// `cumulus bench identities`: the bootstrap under made-up identities. A server with its own peer and
// --peers volunteer processes; one more volunteer joins with nothing else connected (the baseline);
// then --fakes WebSockets from --addresses loopback addresses each say a valid hello from a fresh
// key and stay idle, and another volunteer joins. It measures both joins (from the volunteer
// process's start to its ready line, once joined), checks that every contact the hub names is a
// peer found in place on the ring, and waits for the idle identities to be closed (the server
// closes a peer not found in place --idle-close s after its hello).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerId } from '../core/id.js';
import type { OptionValues } from '../core/options.js';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer, type ServerPeer } from '../server/own-peer.js';
import { spawnVolunteer, type VolunteerProcess } from '../host/volunteer-process.js';
import { createIdentity } from '../runtime/identity.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { CryptoRng } from '../runtime/rng.js';
import { fakeIdentities, type FakeIdentity } from './fake-identity.js';

export const IDENTITIES_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 2, min: 1, unit: 'processes', description: 'volunteer processes on the ring before the flood' },
  fakes: { type: 'integer', default: 300, min: 0, description: 'made-up identities: valid hellos from fresh keys, then idle' },
  addresses: { type: 'integer', default: 10, min: 1, max: 250, description: 'loopback addresses the made-up identities connect from' },
  'idle-close': { type: 'integer', default: 20, min: 1, unit: 's', description: 'the server closes a peer not found in place on the ring this long after its hello (120 by default in a server)' },
} as const;

export type IdentitiesBenchOptions = OptionValues<typeof IDENTITIES_BENCH_OPTIONS>;

/** Random joiner ids whose contacts are checked against the peers in place. */
const CONTACT_SAMPLES = 100;
/** Longest the ring's volunteers may take to be found in place by the server's peer. */
const VERIFY_BOUND_MS = 60_000;
/** Beyond --idle-close, how long the closes of the idle identities may take (the check runs every few seconds). */
const CLOSE_SLACK_MS = 30_000;
const POLL_MS = 100;

export async function runIdentitiesBench(o: IdentitiesBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-identities-'));
  const idleCloseMs = o['idle-close'] * 1000;
  const volunteers: VolunteerProcess[] = [];
  let fakes: FakeIdentity[] = [];
  let server: CumulusServer | null = null;
  let own: ServerPeer | null = null;
  try {
    server = await createServer({ port: 0, members: { unverifiedCloseMs: idleCloseMs } });
    own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') });
    const spawn = async (name: string): Promise<number> => {
      const t = performance.now();
      volunteers.push(await spawnVolunteer({ serverUrl: server!.url, dataDir: join(dir, name) }));
      const ms = performance.now() - t;
      await verified(server!, volunteers.length);
      return Math.round(ms);
    };
    for (let i = 0; i < o.peers; i++) await spawn(`v${i}`);
    const joinMsNoFakes = await spawn('baseline');
    const fakesAt = performance.now();
    fakes = fakeIdentities(server.url, o.fakes, o.addresses, 0);
    // Each is welcomed, or refused (beyond its address's rate of hellos).
    const welcomed = (await Promise.all(fakes.map((f) => Promise.race([f.welcomed.then(() => true), f.closed.then(() => false)])))).filter(Boolean).length;
    const hubPeers = server.hub.size;
    const onRing = new Set<PeerId>([own.id, ...volunteers.map((v) => v.id)]);
    let contactsNamed = 0;
    let contactsOnRing = 0;
    for (let i = 0; i < CONTACT_SAMPLES; i++) {
      for (const c of server.hub.contacts(createIdentity(new CryptoRng()).id)) {
        contactsNamed++;
        if (onRing.has(c)) contactsOnRing++;
      }
    }
    const joinMs = await spawn('joiner');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = await Promise.race([
      Promise.all(fakes.map((f) => f.closed)).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), idleCloseMs + CLOSE_SLACK_MS))),
    ]);
    clearTimeout(timer);
    return {
      peers: o.peers, fakes: o.fakes, addresses: o.addresses, idleCloseS: o['idle-close'],
      welcomed, hubPeers, contactsNamed, contactsOnRing, joinMsNoFakes, joinMs,
      fakesClosedNotOnRing: fakes.filter((f) => f.errors.includes('NOT_ON_RING')).length,
      allFakesClosed: closed,
      // From the first hello until the last idle identity was closed (or the wait ended).
      fakesClosedAfterS: Math.round((performance.now() - fakesAt) / 100) / 10,
      realPeersInPlace: server.members.verified().length,
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    for (const f of fakes) f.ws.terminate();
    await Promise.allSettled(volunteers.map((v) => v.stop()));
    await own?.close();
    await server?.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wait until the server's peer found n volunteers in place. */
async function verified(server: CumulusServer, n: number): Promise<void> {
  const deadline = performance.now() + VERIFY_BOUND_MS;
  while (server.members.verified().length < n) {
    if (performance.now() > deadline) throw new Error(`the server found ${server.members.verified().length} of ${n} volunteers in place within ${VERIFY_BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
