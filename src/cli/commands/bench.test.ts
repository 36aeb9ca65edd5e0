// Proves `cumulus bench` reads each bench's options once from its spec: the documented spellings work, defaults fill in, and unknown options or bad values are refused by name.
import { describe, expect, it } from 'vitest';
import { BENCHES, benchHelp, benchOptions } from './bench.js';

describe('bench options', () => {
  it('reads the documented command lines into typed values', () => {
    expect(benchOptions('api', ['--peers', '0', '--durability', '1', '--rounds', '9'])).toEqual({ peers: 0, mb: 64, rounds: 9, replicas: 1, forkClient: false, lendStorage: false });
    expect(benchOptions('api', ['--fork-client'])).toMatchObject({ forkClient: true, replicas: undefined });
    expect(benchOptions('api', ['--forkClient'])).toMatchObject({ forkClient: true });
    expect(benchOptions('coord', ['--peers', '32', '--shared-owner'])).toMatchObject({ peers: 32, processes: 4, sharedOwner: true });
    expect(benchOptions('dropin', ['--delay-ms', '20', '--posts', '2', '--mode', 'throttle'])).toMatchObject({ delayMs: 20, posts: 2, clients: 12, mode: 'throttle', plain: false });
    expect(benchOptions('ring', ['--peers', '16', '--browsers', '2'])).toEqual({ peers: 16, browsers: 2, lookups: 1000 });
  });

  it('refuses options a bench does not have and values out of range', () => {
    expect(() => benchOptions('link', ['--peers', '3'])).toThrow(/bench link has no option --peers \(its options: --mib\)/);
    expect(() => benchOptions('storage', ['--peers', '3'])).toThrow(/--peers must be a whole number of at least 4, got 3/);
    expect(() => benchOptions('api', ['--rounds', 'five'])).toThrow(/--rounds must be a whole number/);
    expect(() => benchOptions('nope', [])).toThrow(/unknown bench nope/);
  });

  it('lists every bench with its own options', () => {
    const help = benchHelp();
    for (const name of Object.keys(BENCHES)) expect(help).toContain(`${name}: `);
    expect(benchHelp('link')).toMatch(/--mib <MiB>/);
  });
});
