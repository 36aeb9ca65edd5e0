// Typed option specs. A command, a scenario or a bench declares each of its options once: name,
// type, default, unit, range and what it does. `parseOptions` turns the raw `--flag value` strings
// of a command line into a typed object at that boundary, refusing unknown options and bad values
// with a message that names the option; `withDefaults` builds the same object in code (tests), and
// `optionHelp` prints the spec as help, so the help never disagrees with what is accepted.
import { InvalidArgumentError } from './errors.js';

interface Common {
  description: string;
  /** Other spellings accepted on a command line (camel case, like the key). */
  aliases?: readonly string[];
}

/** A whole number; without a default the value is undefined when absent (the caller derives one). */
export interface IntegerOption extends Common {
  type: 'integer';
  default?: number;
  min?: number;
  max?: number;
  unit?: string;
}

/** A finite number (fractions allowed). */
export interface NumberOption extends Common {
  type: 'number';
  default?: number;
  min?: number;
  max?: number;
  unit?: string;
}

/** On when named (`--crash-owners`), off otherwise; `--flag=true` and `--flag=false` are accepted too. */
export interface FlagOption extends Common {
  type: 'flag';
}

/** One of a few words. */
export interface ChoiceOption<T extends string = string> extends Common {
  type: 'choice';
  choices: readonly T[];
  default: T;
}

export type OptionSpec = IntegerOption | NumberOption | FlagOption | ChoiceOption;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S> = S extends FlagOption
  ? boolean
  : S extends ChoiceOption<infer T>
    ? T
    : S extends { default: number }
      ? number
      : number | undefined;

/** The typed values of a spec: numbers, booleans and choice words, defaults filled in. */
export type OptionValues<S extends OptionSpecs> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/** Something a command line runs with typed options (a simulation scenario, a bench): one spec, one run function. */
export interface Runnable<S extends OptionSpecs, R> {
  /** One line for the command's help. */
  description: string;
  options: S;
  run(opts: OptionValues<S>): R | Promise<R>;
}

/** Raw options of a command line: every `--flag value` as a string, bare flags as true. */
export type RawOptions = Record<string, string | boolean | undefined>;

/** `crashOwners` → `--crash-owners`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function bounds(label: string, spec: IntegerOption | NumberOption, n: number): number {
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    throw new InvalidArgumentError(`${label} must be ${range(spec)}, got ${n}`);
  }
  return n;
}

function range(spec: IntegerOption | NumberOption): string {
  const kind = spec.type === 'integer' ? 'a whole number' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} of at least ${spec.min}`;
  if (spec.max !== undefined) return `${kind} of at most ${spec.max}`;
  return kind;
}

/**
 * One option's value from its raw text; absent gives the default. `label` names the option in
 * errors as its user wrote it (`--replicas`, `the replicas header`).
 */
export function parseOption(spec: FlagOption, raw: string | boolean | undefined, label: string): boolean;
export function parseOption<T extends string>(spec: ChoiceOption<T>, raw: string | boolean | undefined, label: string): T;
export function parseOption(spec: (IntegerOption | NumberOption) & { default: number }, raw: string | boolean | undefined, label: string): number;
export function parseOption(spec: OptionSpec, raw: string | boolean | undefined, label: string): unknown;
export function parseOption(spec: OptionSpec, raw: string | boolean | undefined, label: string): unknown {
  if (spec.type === 'flag') {
    if (raw === undefined || raw === false || raw === 'false') return false;
    if (raw === true || raw === 'true') return true;
    throw new InvalidArgumentError(`${label} takes no value, got ${raw}`);
  }
  if (raw === undefined) return spec.default;
  if (raw === true || raw === false) throw new InvalidArgumentError(`${label} needs a value`);
  if (spec.type === 'choice') {
    if (!(spec.choices as readonly string[]).includes(raw)) throw new InvalidArgumentError(`${label} is one of ${spec.choices.join(', ')}, got ${raw}`);
    return raw;
  }
  const text = raw.trim();
  const n = spec.type === 'integer' ? (/^-?\d+$/.test(text) ? Number(text) : NaN) : text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${label} must be ${range(spec)}, got ${raw}`);
  return bounds(label, spec, n);
}

/**
 * Parse a command line's raw options against a spec: each known option once, by its name or an
 * alias (kebab or camel case alike, since the raw keys arrive in camel case); anything else is
 * refused with the list of what `what` takes.
 */
export function parseOptions<S extends OptionSpecs>(specs: S, raw: RawOptions, what: string): OptionValues<S> {
  const given: RawOptions = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = keyOf(specs, name);
    if (key === undefined) {
      const known = Object.keys(specs).map(flagName).join(', ') || 'none';
      throw new InvalidArgumentError(`${what} has no option ${flagName(name)} (its options: ${known})`);
    }
    if (given[key] !== undefined) throw new InvalidArgumentError(`${flagName(key)} is given twice`);
    given[key] = value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = parseOption(spec, given[key], flagName(key));
  return out as OptionValues<S>;
}

/** The key of the option a command line calls `name` (camel case): the key itself or one of its aliases. */
export function keyOf(specs: OptionSpecs, name: string): string | undefined {
  if (Object.hasOwn(specs, name)) return name;
  return Object.keys(specs).find((key) => specs[key]!.aliases?.includes(name));
}

/**
 * The typed values for code (a service's settings, tests): defaults with some values set, each
 * checked like a parsed one. `labelOf` names a key in errors (a flag by default).
 */
export function withDefaults<S extends OptionSpecs>(specs: S, values: Partial<OptionValues<S>>, labelOf: (key: string) => string = flagName): OptionValues<S> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = optionValue(spec, (values as Record<string, unknown>)[key], labelOf(key));
  for (const key of Object.keys(values)) if (!(key in specs)) throw new InvalidArgumentError(`no option ${labelOf(key)}`);
  return out as OptionValues<S>;
}

/**
 * A value given in code (an API's argument) checked against its spec; undefined gives the
 * default. `label` names it in errors.
 */
export function optionValue(spec: (IntegerOption | NumberOption) & { default: number }, v: unknown, label: string): number;
export function optionValue(spec: OptionSpec, v: unknown, label: string): unknown;
export function optionValue(spec: OptionSpec, v: unknown, label: string): unknown {
  if (v === undefined) return parseOption(spec, undefined, label);
  if (spec.type === 'flag') {
    if (typeof v !== 'boolean') throw new InvalidArgumentError(`${label} is true or false`);
    return v;
  }
  if (spec.type === 'choice') return parseOption(spec, String(v), label);
  if (typeof v !== 'number' || !Number.isFinite(v) || (spec.type === 'integer' && !Number.isInteger(v))) {
    throw new InvalidArgumentError(`${label} must be ${range(spec)}, got ${String(v)}`);
  }
  return bounds(label, spec, v);
}

/** Help lines for a spec: each option's flag, what it does, its unit, range and default. */
export function optionHelp(specs: OptionSpecs, indent = '  '): string[] {
  const rows = Object.entries(specs).map(([key, spec]) => {
    const value = spec.type === 'flag' ? '' : spec.type === 'choice' ? ` ${spec.choices.join('|')}` : ` <${spec.unit ?? 'n'}>`;
    const notes: string[] = [];
    if (spec.type === 'integer' || spec.type === 'number') {
      if (spec.min !== undefined || spec.max !== undefined) notes.push(range(spec));
      if (spec.default !== undefined) notes.push(`default ${spec.default}`);
    } else if (spec.type === 'choice') {
      notes.push(`default ${spec.default}`);
    }
    if (spec.aliases?.length) notes.push(`also ${spec.aliases.map(flagName).join(', ')}`);
    return [`${flagName(key)}${value}`, notes.length > 0 ? `${spec.description} (${notes.join('; ')})` : spec.description] as const;
  });
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `${indent}${f.padEnd(width)}  ${d}`);
}
