// Proves `cumulus sim` reads a command line once into each scenario's typed options: every documented spelling works, and unknown options, stray words and bad values are refused by name.
import { describe, expect, it } from 'vitest';
import { scenarioNames, scenarioOptions } from '../../sim/scenarios/index.js';
import { collectFlags } from '../runnables.js';
import { scenarioHelp } from './sim.js';

describe('collectFlags', () => {
  it('collects pairs, = forms and bare flags, in camel case', () => {
    expect(collectFlags(['--churn', '0.1', '--max-lookups=7', '--verbose', '--clients', '3'])).toEqual({
      churn: '0.1',
      maxLookups: '7',
      verbose: true,
      clients: '3',
    });
  });

  it('never gives a bare flag the next word, and refuses stray words', () => {
    expect(() => collectFlags(['--crash-owners', 'yes'], (n) => n === 'crashOwners')).toThrow(/unexpected argument yes/);
    expect(() => collectFlags(['extra', '--a', '1'])).toThrow(/unexpected argument extra/);
  });
});

describe('scenario options', () => {
  const parse = (name: string, args: string[]) => scenarioOptions(name, collectFlags(args, (n) => n === 'crashOwners' || n === 'diagnostics'));

  it('reads the acceptance commands into typed values, defaults filled in', () => {
    expect(parse('coord', ['--clients', '1000', '--capacity', '3', '--mode', 'queue', '--crash-owners', '--seed', '1'])).toEqual({
      seed: 1, peers: 64, clients: 1000, capacity: 3, resources: 4, mode: 'queue', crashOwners: true, seconds: 60,
    });
    expect(parse('storage', ['--ring', 'chord', '--nodes', '48', '--hours', '0.5'])).toMatchObject({
      ring: 'chord', nodes: 48, hours: 0.5, replicas: 3, diagnostics: false,
    });
    expect(parse('overlay', ['--nodes', '1000', '--churn', '600', '--join-rate', '50'])).toMatchObject({ nodes: 1000, churn: 600, joinRate: 50, stabilize: 1000 });
    expect(parse('overlay', [])).toMatchObject({ joinRate: undefined });
  });

  it('accepts kebab and camel spellings alike', () => {
    expect(parse('storage', ['--quota-mib', '64'])).toMatchObject({ quotaMib: 64 });
    expect(parse('storage', ['--quotaMib', '64'])).toMatchObject({ quotaMib: 64 });
  });

  it('refuses unknown options and bad values, naming the option', () => {
    expect(() => parse('coord', ['--nodes', '5'])).toThrow(/sim coord has no option --nodes/);
    expect(() => parse('storage', ['--ring', 'kademlia'])).toThrow(/--ring is one of oracle, chord/);
    expect(() => parse('storage', ['--replicas', '7'])).toThrow(/--replicas must be a whole number from 1 to 6, got 7/);
    expect(() => parse('ping', ['--nodes', '1.5'])).toThrow(/--nodes must be a whole number/);
    expect(() => parse('ping', ['--seconds'])).toThrow(/--seconds needs a value/);
    expect(() => parse('storage', ['--quota-mib', '1', '--quotaMib', '2'])).toThrow(/given twice/);
  });

  it('lists every scenario\'s options in its help', () => {
    const all = scenarioHelp();
    for (const name of scenarioNames()) expect(all).toContain(`${name}: `);
    expect(scenarioHelp('coord')).toMatch(/--crash-owners/);
    expect(scenarioHelp('coord')).not.toMatch(/--chunk-kib/);
  });
});
