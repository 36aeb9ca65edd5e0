// awk's print and printf statements: print joins its values with OFS and ends with ORS, numbers
// by OFMT (whole numbers exactly); printf formats by its first value; both write to the task's
// output buffer, whose fullness makes the interpreter yield.
import type { Expr } from './ast.js';
import { SLOT } from './expr-parser.js';
import type { Interp } from './interp.js';
import { formatPrintf } from './printf.js';
import { numberToString, toStr, type Value } from './values.js';

/** print's text for a value: numbers by OFMT (whole numbers exactly), the rest as strings. */
function outputString(it: Interp, v: Value): string {
  if (typeof v === 'number') return numberToString(v, toStr(it.vars[SLOT.OFMT] as Value, '%.6g'));
  return it.str(v);
}

export function printStatement(it: Interp, args: Expr[]): void {
  const ors = it.str(it.scalar(SLOT.ORS));
  if (args.length === 0) {
    it.printRecord();
    return;
  }
  const ofs = it.str(it.scalar(SLOT.OFS));
  let line = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0) line += ofs;
    line += outputString(it, it.eval(args[i]!));
  }
  it.out.write(line);
  it.out.write(ors);
}

export function printfStatement(it: Interp, args: Expr[]): void {
  const values = args.map((a) => it.eval(a));
  it.out.write(formatPrintf(it.str(values[0]), values.slice(1), it.convfmt, it.ctx.limits.printfWidth).text);
}
