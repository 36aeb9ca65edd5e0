// Proves the awk builtin gives gawk --posix's bytes and exit status (C locale) on generated programs of every supported construct and generated inputs.
import { describe, it } from 'vitest';
import * as gen from './test-util/gen.js';
import { awkCommand, awkForIn } from './test-util/gen-awk.js';
import { checkTool } from './test-util/differential.js';

describe('awk against gawk --posix', () => {
  it('programs', () => checkTool(awkCommand, gen.input, gen.chunkBytes, 150));
  it('for-in through sort', () => checkTool(awkForIn, gen.input, gen.chunkBytes, 40));
}, 120_000);
