// `cumulus sim NAME …` and `cumulus bench NAME …`: commands that run one of a set of named
// runnables (scenarios, benches), each with its own typed option spec (core/options.ts). The
// `--flag value` pairs after the name are collected here for that spec to parse, and the help
// lists every runnable's options from the specs.
import type { Command } from 'commander';
import { InvalidArgumentError } from '../core/errors.js';
import { keyOf, optionHelp, type OptionSpecs, type RawOptions } from '../core/options.js';

/**
 * Collect `--flag value`, `--flag=value` and bare `--flag` (true) from raw arguments, names in camel
 * case. A flag for which `isBare` answers true never takes the next argument as its value. An
 * argument that is neither a flag nor a flag's value is refused.
 */
export function collectFlags(args: string[], isBare: (name: string) => boolean = () => false): RawOptions {
  const out: RawOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new InvalidArgumentError(`unexpected argument ${arg}: options are --name value`);
    const eq = arg.indexOf('=');
    const name = camel(arg.slice(2, eq > 0 ? eq : undefined));
    if (Object.hasOwn(out, name)) throw new InvalidArgumentError(`${arg.slice(0, eq > 0 ? eq : undefined)} is given twice`);
    const next = args[i + 1];
    if (eq > 0) {
      out[name] = arg.slice(eq + 1);
    } else if (next !== undefined && !next.startsWith('--') && !isBare(name)) {
      out[name] = next;
      i++;
    } else {
      out[name] = true;
    }
  }
  return out;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}


/** What `cumulus sim` and `cumulus bench` run: a description and an option spec, by name. */
export interface RunnableSet<T extends { description: string; options: OptionSpecs } = { description: string; options: OptionSpecs }> {
  /** `sim` or `bench`. */
  command: string;
  /** `scenario` or `bench`, for messages, and its plural for the help's heading. */
  noun: string;
  nouns: string;
  names(): string[];
  get(name: string): T | undefined;
}

export function lookup<T extends { description: string; options: OptionSpecs }>(set: RunnableSet<T>, name: string): T {
  const found = set.get(name);
  if (found === undefined) throw new InvalidArgumentError(`unknown ${set.noun} ${name} (known: ${set.names().join(', ')})`);
  return found;
}

/** The options of one runnable, or of every one, as help text. */
export function runnableHelp(set: RunnableSet, name?: string): string {
  const names = name === undefined ? set.names() : [name];
  const blocks = names.map((n) => {
    const r = lookup(set, n);
    return [`${n}: ${r.description}`, ...optionHelp(r.options, '    ')].join('\n');
  });
  const head = name === undefined
    ? `${set.nouns} and their options (cumulus ${set.command} NAME --help for one):`
    : `Usage: cumulus ${set.command} ${name} [options] [--json]`;
  return `${head}\n${blocks.join('\n\n')}\n`;
}

/** The raw options after a runnable's name, its bare flags never taking the next word. */
export function runnableFlags(options: OptionSpecs, args: string[]): RawOptions {
  return collectFlags(args, (n) => options[keyOf(options, n) ?? '']?.type === 'flag');
}

/**
 * Register `cumulus COMMAND [NAME] [options] [--json]`. With a name, `run` gets the arguments
 * after it (for runnableFlags and the spec); without one, or with --help, the help is printed.
 */
export function registerRunnables(program: Command, set: RunnableSet, description: string, run: (name: string, args: string[], json: boolean) => Promise<void>): void {
  program
    .command(`${set.command} [${set.noun}]`)
    .description(description)
    .helpOption(false)
    .option('-h, --help', `list the options of every ${set.noun}, or of the one named`)
    .option('--json', 'print one JSON object as the last line')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', () => `\n${runnableHelp(set)}`)
    .action(async (name: string | undefined, known: { json?: boolean; help?: boolean }, cmd: Command) => {
      if (known.help || name === undefined) {
        process.stdout.write(name === undefined ? `${cmd.helpInformation()}\n${runnableHelp(set)}` : runnableHelp(set, name));
        return;
      }
      await run(name, cmd.args.slice(1), known.json === true);
    });
}
