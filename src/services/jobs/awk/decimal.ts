// Exact decimal forms of doubles for printf's %f, %e and %g, rounded half to even on the exact
// binary value, as glibc's printf rounds. (JavaScript's toFixed and toPrecision round ties away
// from zero and stop at 100 digits, so printf "%.0f", 2.5 would print 3 where C prints 2.)

const TWO = 2n;

/** x = mantissa × 2^exponent, exactly, for a finite non-negative x. */
function split(x: number): { mantissa: bigint; exponent: number } {
  if (x === 0) return { mantissa: 0n, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return biased === 0 ? { mantissa: frac, exponent: -1074 } : { mantissa: frac | (1n << 52n), exponent: biased - 1075 };
}

/** round(num / den), ties to even. */
function divRound(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r = num - q * den;
  const twice = r * TWO;
  if (twice > den || (twice === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** round(x × 10^scale) for a finite non-negative x, ties to even. */
function scaledInteger(x: number, scale: number): bigint {
  const { mantissa, exponent } = split(x);
  let num = mantissa;
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  if (scale >= 0) num *= 10n ** BigInt(scale);
  else den *= 10n ** BigInt(-scale);
  return divRound(num, den);
}

/** The digits of |x| with `precision` digits after the point (%f). */
export function fixedDigits(x: number, precision: number): string {
  const digits = scaledInteger(Math.abs(x), precision).toString();
  if (precision === 0) return digits;
  const padded = digits.padStart(precision + 1, '0');
  return `${padded.slice(0, -precision)}.${padded.slice(-precision)}`;
}

/** |x| as d.ddd (precision digits after the point) and its decimal exponent (%e). */
export function exponentDigits(x: number, precision: number): { digits: string; exponent: number } {
  const ax = Math.abs(x);
  if (ax === 0) return { digits: '0'.repeat(precision + 1), exponent: 0 };
  let exponent = Math.floor(Math.log10(ax));
  for (;;) {
    const n = scaledInteger(ax, precision - exponent);
    const s = n.toString();
    if (s.length > precision + 1) {
      exponent++;
      continue;
    }
    if (s.length < precision + 1) {
      exponent--;
      continue;
    }
    return { digits: s, exponent };
  }
}

/** %e's body: d.ddde±XX. */
export function expForm(x: number, precision: number, alt: boolean, upper: boolean): string {
  const { digits, exponent } = exponentDigits(x, precision);
  const mant = precision === 0 ? (alt ? `${digits}.` : digits) : `${digits[0]}.${digits.slice(1)}`;
  const e = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return `${mant}${upper ? 'E' : 'e'}${e}`;
}

/** %g's body: %e or %f with precision significant digits, trailing zeros removed unless #. */
export function generalForm(x: number, precision: number, alt: boolean, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const { exponent } = exponentDigits(x, p - 1);
  let body = p > exponent && exponent >= -4 ? fixedDigits(x, p - 1 - exponent) : expForm(x, p - 1, alt, upper);
  if (alt) {
    if (!body.includes('.') && !/[eE]/.test(body)) body += '.';
    return body;
  }
  const cut = (m: string) => (m.includes('.') ? m.replace(/\.?0+$/, '') : m);
  const eAt = body.search(/[eE]/);
  return eAt < 0 ? cut(body) : cut(body.slice(0, eAt)) + body.slice(eAt);
}

/** An integer-valued double's exact decimal digits (no sign). */
export function integerDigits(x: number): string {
  const ax = Math.abs(x);
  return ax < 2 ** 53 ? String(ax) : BigInt(ax).toString();
}
