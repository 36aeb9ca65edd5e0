// The slow application as a process of its own, so the dropin bench can read its CPU time apart
// from the browsers' and the Cumulus server's. Args: cumulusUrl ('-' for pages without the
// drop-in), delayMs, capacity, waitMs. Answers {kind:'cpu'} with its CPU time and counters.
import { startSlowApp } from './slow-app.js';

async function main(): Promise<void> {
  const [cumulus, delayMs, capacity, waitMs] = process.argv.slice(2);
  const app = await startSlowApp({ cumulusUrl: cumulus === '-' ? null : cumulus!, delayMs: Number(delayMs), capacity: Number(capacity), waitMs: Number(waitMs) });
  process.on('message', (m: unknown) => {
    if (typeof m !== 'object' || m === null || (m as { kind?: unknown }).kind !== 'cpu') return;
    const cpu = process.cpuUsage();
    process.send!({ kind: 'cpu', userMs: cpu.user / 1000, systemMs: cpu.system / 1000, stats: app.stats });
  });
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.send!({ kind: 'ready', url: app.url });
}

main().catch((e: unknown) => {
  process.stderr.write(`slow app: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
