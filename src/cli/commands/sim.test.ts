// Proves `cumulus sim` passes every `--flag value` pair through to scenarios untouched.
import { describe, expect, it } from 'vitest';
import { collectFlags } from './sim.js';

describe('collectFlags', () => {
  it('collects pairs, = forms and bare flags, in camel case', () => {
    expect(collectFlags(['--churn', '0.1', '--max-lookups=7', '--verbose', '--clients', '3'])).toEqual({
      churn: '0.1',
      maxLookups: '7',
      verbose: true,
      clients: '3',
    });
  });

  it('ignores stray operands', () => {
    expect(collectFlags(['extra', '--a', '1', 'more'])).toEqual({ a: '1' });
  });
});
