// Proves every builtin tool and each flag it supports gives GNU coreutils' bytes and exit status (C locale) on generated inputs and commands.
import { describe, it } from 'vitest';
import * as gen from './test-util/gen.js';
import { checkTool } from './test-util/differential.js';

describe('builtins against GNU coreutils', () => {
  it('cat', () => checkTool(gen.cat, gen.input, gen.chunkBytes));
  it('head', () => checkTool(gen.head, gen.input, gen.chunkBytes));
  it('tail', () => checkTool(gen.tail, gen.input, gen.chunkBytes));
  it('wc', () => checkTool(gen.wc, gen.input, gen.chunkBytes));
  it('tr', () => checkTool(gen.tr, gen.input, gen.chunkBytes));
  it('cut', () => checkTool(gen.cut, gen.input, gen.chunkBytes));
  it('uniq', () => checkTool(gen.uniq, gen.input, gen.chunkBytes));
  it('sort', () => checkTool(gen.sort, gen.input, gen.chunkBytes));
  it('grep', () => checkTool(gen.grep, gen.input, gen.chunkBytes, 80));
  it('grep -q', () => checkTool(gen.grepQuiet, gen.input, gen.chunkBytes));
  it('sed', () => checkTool(gen.sed, gen.input, gen.chunkBytes, 100));
}, 120_000);
