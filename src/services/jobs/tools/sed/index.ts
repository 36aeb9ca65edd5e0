import { ExecRefusedError } from '../../exec/errors.js';
import type { Builtin } from '../../exec/tool.js';
export const sed: Builtin = { name: 'sed', prepare() { throw new ExecRefusedError('sed', 'todo'); } };
