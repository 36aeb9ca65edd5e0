// Options and results shared by every scenario (kept apart from the registry so scenarios do not
// import the module that imports them).
import { InvalidArgumentError } from '../../core/errors.js';

export type ScenarioOptions = Record<string, string | boolean | undefined>;
export type ScenarioResult = Record<string, unknown>;

/** A numeric option with a default; refuses values that are not finite numbers. */
export function numberOption(opts: ScenarioOptions, name: string, fallback: number): number {
  const raw = opts[name];
  if (raw === undefined || raw === false) return fallback;
  const n = Number(raw);
  if (raw === true || !Number.isFinite(n)) throw new InvalidArgumentError(`--${name} needs a number, got ${String(raw)}`);
  return n;
}

