// Proves, on the lab's real coturn, that the relay takes the credentials the rendezvous server
// issues and refuses forged and expired ones, and that a peer with a valid credential cannot make
// the relay send outside the lab's public network (its LAN, loopback, other ranges). Needs root
// and the lab's tools; where they are missing the test fails and says why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { IceIssuer, turnCredential } from '../../server/ice.js';
import { createLab, labUnavailable, type Lab } from './lab.js';
import { startCoturn, TURN_PORT, type Coturn } from './coturn.js';
import type { ProbeRequest, ProbeResult } from './turn-probe.js';

const PROBE = join(import.meta.dirname, '..', '..', '..', 'dist', 'bench', 'netlab', 'turn-probe.js');
const ID = 'ab'.repeat(20) as PeerId;
let lab: Lab | null = null;
let turn: Coturn;

beforeAll(async () => {
  const why = labUnavailable();
  if (why) throw new Error(`the network lab cannot run here: ${why}`);
  if (!existsSync(PROBE)) throw new Error(`${PROBE} is missing: run npm run build first`);
  lab = await createLab(['port-restricted']);
  turn = await startCoturn(lab);
});
afterAll(async () => {
  await turn?.stop();
  await lab?.close();
});

function probe(req: Omit<ProbeRequest, 'server' | 'port'>): ProbeResult {
  const out = lab!.run(lab!.homes[0]!.ns, process.execPath, [PROBE, JSON.stringify({ ...req, server: lab!.pubAddr, port: TURN_PORT })]);
  return JSON.parse(out) as ProbeResult;
}

const issued = (nowMs = Date.now()) => new IceIssuer({ urls: [turn.url], turnSecret: turn.secret, turnTtlS: 600 }, () => nowMs).forPeer(ID).servers[0]!;

describe('coturn in the lab', () => {
  it('allocates a relay for an issued credential and relays to the lab\'s public network only', () => {
    const t = issued();
    const r = probe({ username: t.username!, credential: t.credential!, peers: ['203.0.113.21', '198.51.100.2', '127.0.0.1', '192.0.2.1'] });
    expect(r).toEqual({ allocate: 200, permissions: [200, 403, 403, 403] });
  });

  it('refuses a forged credential and an expired one', () => {
    const t = issued();
    expect(probe({ username: t.username!, credential: turnCredential('guessed secret', t.username!), peers: [] }).allocate).toBe(401);
    const other = `${t.username!.split(':')[0]}:${'cd'.repeat(20)}`;
    expect(probe({ username: other, credential: t.credential!, peers: [] }).allocate).toBe(401);
    const old = issued(Date.now() - 700_000);
    expect(probe({ username: old.username!, credential: old.credential!, peers: [] }).allocate).toBe(401);
  });
});
