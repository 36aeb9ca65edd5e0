// Proves, on the network lab, that volunteers behind the three NATs form one ring with the server
// handing out STUN and TURN, that a file put in one home reads back byte for byte in the symmetric
// one, that only links with a symmetric NAT on the path are relayed, and that lookups still
// succeed once the server is gone. Needs root and the lab's tools; where they are missing the test
// fails and says why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labUnavailable } from './lab.js';

// The built bench: it starts volunteers from dist/cli/main-bin.js, next to itself.
const BENCH = join(import.meta.dirname, '..', '..', '..', 'dist', 'bench', 'netlab', 'bench.js');

describe('a ring across the lab\'s NATs', () => {
  it('forms, stores across homes, relays only through the symmetric NAT and outlives the server', async () => {
    const why = labUnavailable();
    if (why) throw new Error(`the network lab cannot run here: ${why}`);
    if (!existsSync(BENCH)) throw new Error(`${BENCH} is missing: run npm run build first`);
    const { runNetlabBench } = (await import(BENCH)) as typeof import('./bench.js');
    // One volunteer per home and no tab: the bench's acceptance run has three per home and a tab.
    const r = await runNetlabBench({ perHome: 1, tab: 0, lookups: 20, mb: 1 });
    expect(r).toMatchObject({ peers: 4, consistent: true, lookupSuccess: 1, putGetOk: true, relayedWhereAvoidable: 0, consistentServerDown: true, lookupSuccessServerDown: 1 });
    // The symmetric home's volunteer cannot reach the port-restricted one without the relay.
    expect(r.relayedLinks).toContain('port-restricted~symmetric');
  }, 240_000);
});
