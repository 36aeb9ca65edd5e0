// Prototype harness (not kept; see docs/api.md, "The server's peer in a worker thread"): runs
// `cumulus bench api` without the CLI, whose process loads node-datachannel on its main thread
// (that crashes a worker thread using it too, once WebRTC links open).
//   node scripts/bench-api-worker.mjs <volunteers> <inline|worker> [durability]
// Diagnostics: CUMULUS_POOL=1 (chunks through a SharedArrayBuffer pool instead of transfers),
// CUMULUS_GETW=<chunks> (window), CUMULUS_CREDIT_BATCH=<n>, CUMULUS_BENCH_THREADS=1 (CPU per thread on stderr).
import { runApiBench } from '../dist/runtime/bench/api.js';
const a = process.argv.slice(2);
const r = await runApiBench({ peers: Number(a[0] ?? 3), mb: 64, rounds: 5, peerThread: a[1] ?? 'worker', ...(a[2] ? { durability: Number(a[2]) } : {}) });
console.log(JSON.stringify(r));
process.exit(0);
