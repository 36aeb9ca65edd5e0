// Proves, on the network lab, that a link which could only go through the TURN relay is tried for
// a direct pair once settled (and stays up when that fails), and moves to a direct pair when tried
// again after the NATs let one through, with the ring consistent and lookups answered after. Needs root and the lab's tools; where they are missing the test
// fails and says why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labUnavailable } from './lab.js';

// The built run: it starts volunteers from dist/cli/main-bin.js, next to itself.
const RUN = join(import.meta.dirname, '..', '..', '..', 'dist', 'bench', 'netlab', 'upgrade.js');

describe('a relayed link between two NATs', () => {
  it('moves to a direct pair once one works', async () => {
    const why = labUnavailable();
    if (why) throw new Error(`the network lab cannot run here: ${why}`);
    if (!existsSync(RUN)) throw new Error(`${RUN} is missing: run npm run build first`);
    const { runUpgradeLab } = (await import(RUN)) as typeof import('./upgrade.js');
    const r = await runUpgradeLab();
    // Relayed while blocked; the automatic direct attempt failed and the link stayed.
    expect([r.kindFirst, r.autoTries, r.autoFailed, r.kindBeforeRetry]).toEqual(['relay', 1, 1, 'relay']);
    expect(r.kindAfter).toBe('srflx');
    expect(r.moved.every((n) => n >= 1)).toBe(true);
    expect([r.consistent, r.lookupSuccess]).toEqual([true, 1]);
  }, 240_000);
});
