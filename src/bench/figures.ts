// Small helpers every bench uses to turn samples into the figures it prints.

/** The q-quantile of xs (nearest rank); NaN when there are no samples. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Two decimals, as the benches print their figures. */
export const round = (x: number) => Math.round(x * 100) / 100;

/** Poll an async condition every pollMs until it holds (true) or timeoutMs has passed (false). */
export async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, pollMs = 200): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await cond().catch(() => false)) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
