// An exec string to a runnable pipeline: the shell syntax is split into stages (shell.ts), each
// stage's words become the C-locale bytes a tool sees, and each command checks its own arguments.
// Everything a job could get wrong in its exec is found here, when the job is created.
import { awk } from '../awk/index.js';
import { cat } from '../tools/cat.js';
import { cut } from '../tools/cut.js';
import { grep } from '../tools/grep.js';
import { head } from '../tools/head.js';
import { sed } from '../tools/sed/index.js';
import { sort } from '../tools/sort/index.js';
import { tail } from '../tools/tail.js';
import { tr } from '../tools/tr.js';
import { uniq } from '../tools/uniq.js';
import { wc } from '../tools/wc.js';
import { utf8ToBinary } from './bytes.js';
import { ExecRefusedError } from './errors.js';
import type { Stage } from './pipeline.js';
import { splitPipeline } from './shell.js';
import type { Builtin } from './tool.js';

/** Every builtin an exec may name. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map([awk, cat, cut, grep, head, sed, sort, tail, tr, uniq, wc].map((b) => [b.name, b]));

/** A checked exec: its stages, ready to run any number of times. */
export interface Program {
  readonly exec: string;
  readonly stages: readonly Stage[];
}

/** Parse and check an exec; throws ExecRefusedError naming what is refused. */
export function compileExec(exec: string): Program {
  const stages = splitPipeline(exec).map((words): Stage => {
    const name = words[0]!;
    const builtin = BUILTINS.get(name);
    if (builtin === undefined) {
      throw new ExecRefusedError(name, `unknown command (the builtins are ${[...BUILTINS.keys()].sort().join(', ')})`);
    }
    return { name, run: builtin.prepare(words.slice(1).map(utf8ToBinary)) };
  });
  return { exec, stages };
}
