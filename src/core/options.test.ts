// Proves an option spec is the one source of an option: parsing, defaults for code, aliases, range checks and help all come from it.
import { describe, expect, it } from 'vitest';
import { optionHelp, parseOption, parseOptions, withDefaults } from './options.js';

const SPEC = {
  peers: { type: 'integer', default: 3, min: 0, max: 64, unit: 'peers', description: 'volunteers' },
  mb: { type: 'number', default: 64, min: 1, unit: 'MB', description: 'object size' },
  replicas: { type: 'integer', min: 1, max: 6, unit: 'copies', description: 'copies', aliases: ['durability'] },
  forkClient: { type: 'flag', description: 'fork curl from the server' },
  mode: { type: 'choice', choices: ['queue', 'throttle'], default: 'queue', description: 'how to wait' },
} as const;

describe('option specs', () => {
  it('parses raw strings into typed values and fills defaults', () => {
    expect(parseOptions(SPEC, { peers: '0', mb: '0.5e1', forkClient: true }, 'bench api')).toEqual({
      peers: 0, mb: 5, replicas: undefined, forkClient: true, mode: 'queue',
    });
  });

  it('takes an alias for its option, but not both', () => {
    expect(parseOptions(SPEC, { durability: '2' }, 'bench api').replicas).toBe(2);
    expect(() => parseOptions(SPEC, { durability: '2', replicas: '3' }, 'bench api')).toThrow(/--replicas is given twice/);
  });

  it('refuses what the spec does not allow, naming the option', () => {
    expect(() => parseOptions(SPEC, { peers: '65' }, 'bench api')).toThrow('--peers must be a whole number from 0 to 64, got 65');
    expect(() => parseOptions(SPEC, { peers: 'many' }, 'bench api')).toThrow(/--peers must be a whole number/);
    expect(() => parseOptions(SPEC, { mode: 'fifo' }, 'bench api')).toThrow('--mode is one of queue, throttle, got fifo');
    expect(() => parseOptions(SPEC, { forkClient: 'yes' }, 'bench api')).toThrow('--fork-client takes no value, got yes');
    expect(() => parseOptions(SPEC, { rounds: '5' }, 'bench api')).toThrow(/bench api has no option --rounds \(its options: --peers, --mb, --replicas, --fork-client, --mode\)/);
    expect(() => parseOption(SPEC.replicas, ' 9 ', 'the replicas header')).toThrow('the replicas header must be a whole number from 1 to 6, got 9');
  });

  it('builds values in code with the same checks', () => {
    expect(withDefaults(SPEC, { peers: 5 })).toEqual({ peers: 5, mb: 64, replicas: undefined, forkClient: false, mode: 'queue' });
    expect(() => withDefaults(SPEC, { peers: 2.5 })).toThrow(/--peers must be a whole number/);
    expect(() => withDefaults(SPEC, { nodes: 1 } as never)).toThrow(/no option --nodes/);
  });

  it('prints each option with its unit, range, default and aliases', () => {
    const help = optionHelp(SPEC).join('\n');
    expect(help).toContain('--peers <peers>');
    expect(help).toContain('volunteers (a whole number from 0 to 64; default 3)');
    expect(help).toContain('--mode queue|throttle');
    expect(help).toContain('also --durability');
  });
});
