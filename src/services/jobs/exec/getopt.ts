// Command-line options the GNU way (getopt_long): bundled short flags (-ci), a value attached
// (-n5) or in the next word (-n 5), `--` ending the options, and operands anywhere unless the
// command stops at its first operand (awk). Long options are accepted only where a command lists
// them. Anything unknown is refused with the word that carries it.
import { ExecRefusedError } from './errors.js';

export interface OptionSpec {
  /** Short flags without a value. */
  flags: string;
  /** Short options that take a value. */
  valued: string;
  /** Long spellings of short options: `--stable` → `s`. */
  long?: Readonly<Record<string, string>>;
  /** Stop at the first operand (the rest are operands), as awk does. */
  stopAtOperand?: boolean;
}

export interface ParsedArgs {
  /** Options in the order given; flags have the value ''. */
  options: Array<{ name: string; value: string }>;
  operands: string[];
}

export function getopt(command: string, args: readonly string[], spec: OptionSpec): ParsedArgs {
  const options: ParsedArgs['options'] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      i = longOption(command, args, i, spec, options);
      continue;
    }
    if (arg.length < 2 || arg[0] !== '-') {
      if (spec.stopAtOperand) {
        operands.push(...args.slice(i));
        break;
      }
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      if (spec.flags.includes(c)) {
        options.push({ name: c, value: '' });
      } else if (spec.valued.includes(c)) {
        if (j + 1 < arg.length) options.push({ name: c, value: arg.slice(j + 1) });
        else if (i + 1 < args.length) options.push({ name: c, value: args[++i]! });
        else throw new ExecRefusedError(arg, `${command}: option -${c} requires a value`);
        break;
      } else {
        throw new ExecRefusedError(arg, `${command}: unknown option -${c}`);
      }
    }
  }
  return { options, operands };
}

function longOption(command: string, args: readonly string[], i: number, spec: OptionSpec, out: ParsedArgs['options']): number {
  const arg = args[i]!;
  const eq = arg.indexOf('=');
  const name = arg.slice(2, eq < 0 ? undefined : eq);
  const short = spec.long?.[name];
  if (short === undefined) throw new ExecRefusedError(arg, `${command}: unknown option --${name}`);
  if (spec.flags.includes(short)) {
    if (eq >= 0) throw new ExecRefusedError(arg, `${command}: option --${name} takes no value`);
    out.push({ name: short, value: '' });
    return i;
  }
  if (eq >= 0) {
    out.push({ name: short, value: arg.slice(eq + 1) });
    return i;
  }
  if (i + 1 >= args.length) throw new ExecRefusedError(arg, `${command}: option --${name} requires a value`);
  out.push({ name: short, value: args[i + 1]! });
  return i + 1;
}

/** The operands a command that reads only its stdin accepts: none, or `-`. */
export function refuseFiles(command: string, operands: readonly string[]): void {
  for (const op of operands) {
    if (op !== '-') throw new ExecRefusedError(op, `${command}: reads its standard input only; a file operand is not allowed`);
  }
}

/** A non-negative decimal count, as GNU tools parse them (without size suffixes). */
export function parseCount(command: string, flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^[0-9]+$/.test(value)) throw new ExecRefusedError(value, `${command}: -${flag} needs a whole number`);
  const n = Number(value);
  return n > max ? max : n;
}
