import { ExecRefusedError } from '../exec/errors.js';
import type { Builtin } from '../exec/tool.js';
export const awk: Builtin = { name: 'awk', prepare() { throw new ExecRefusedError('awk', 'todo'); } };
