// Reads while the storage scenario churns: every `everyS` seconds a random file already written is
// read through a random live peer and compared byte for byte. With diagnostics, a failed read is
// explained: how many live copies of the chunk it gave up on existed at that moment (from the
// holders' own stores), and whether the same read succeeds 10 s later.
import type { Simulator } from '../simulator.js';
import type { StorageService } from '../../services/storage/service.js';
import type { StorageCluster } from './storage.js';

/** A read that takes longer than this counts as failed (a reader whose peer crashed never hears back). */
const READ_DEADLINE_MS = 120_000;
/** A failed read is tried again this much later, to tell lost data from data not found in time. */
const RETRY_AFTER_MS = 10_000;
/** Failure messages kept for diagnostics. */
const MAX_FAILURES_KEPT = 20;

export interface ReadFigures {
  readsOk: number;
  readsFailed: number;
  readsWrong: number;
}

export interface ReadDiagnostics {
  /** Failed reads that succeeded when tried again RETRY_AFTER_MS later. */
  readsLaterOk: number;
  /** Failed reads whose chunk had at least one live copy somewhere when the read gave up. */
  readsFailedWithCopy: number;
  failures: string[];
}

export interface ReadProbeOptions {
  everyS: number;
  diagnostics: boolean;
  /** Indexes of the files written so far. */
  written: () => readonly number[];
  pathOf: (i: number) => string;
  bytesOf: (i: number) => Uint8Array;
  read: (svc: StorageService, path: string) => Promise<Uint8Array>;
}

export class ReadProbes {
  readonly figures: ReadFigures = { readsOk: 0, readsFailed: 0, readsWrong: 0 };
  readonly diagnostics: ReadDiagnostics = { readsLaterOk: 0, readsFailedWithCopy: 0, failures: [] };
  private stopped = false;
  private readonly rng;

  constructor(
    private readonly sim: Simulator,
    private readonly cluster: StorageCluster,
    private readonly o: ReadProbeOptions,
  ) {
    this.rng = sim.stream('storage-reads');
  }

  start(): void {
    if (this.o.everyS <= 0) return;
    const tick = (): void => {
      if (this.stopped) return;
      this.probe();
      this.sim.schedule(this.o.everyS * 1000, tick);
    };
    this.sim.schedule(this.o.everyS * 1000, tick);
  }

  stop(): void {
    this.stopped = true;
  }

  private probe(): void {
    const files = this.o.written();
    const live = this.cluster.live();
    if (files.length === 0 || live.length === 0) return;
    const i = files[this.rng.int(files.length)]!;
    const svc = live[this.rng.int(live.length)]!;
    void this.readOnce(svc, i).then((outcome) => {
      if (outcome === 'ok') this.figures.readsOk++;
      else if (outcome === 'wrong') this.figures.readsWrong++;
      else void this.failed(i, outcome);
    });
  }

  private readOnce(svc: StorageService, i: number): Promise<'ok' | 'wrong' | unknown> {
    const want = this.o.bytesOf(i);
    const read = new Promise<Uint8Array>((resolve, reject) => {
      this.sim.schedule(READ_DEADLINE_MS, () => reject(new Error(`no answer within ${READ_DEADLINE_MS} ms`)));
      this.o.read(svc, this.o.pathOf(i)).then(resolve, reject);
    });
    return read.then((got) => (equal(got, want) ? 'ok' : 'wrong'), (e: unknown) => e);
  }

  private async failed(i: number, e: unknown): Promise<void> {
    this.figures.readsFailed++;
    if (!this.o.diagnostics) return;
    const chunk = (e as { detail?: { chunk?: string } }).detail?.chunk;
    let copies = 0;
    if (chunk) for (const s of this.cluster.live()) if (await s.holder.store.has(chunk)) copies++;
    if (copies > 0) this.diagnostics.readsFailedWithCopy++;
    if (this.diagnostics.failures.length < MAX_FAILURES_KEPT) {
      this.diagnostics.failures.push(`t=${Math.round(this.sim.now() / 1000)}s ${this.o.pathOf(i)}: ${(e as Error).message} [live copies now: ${copies}]`);
    }
    this.sim.schedule(RETRY_AFTER_MS, () => {
      const live = this.cluster.live();
      if (live.length === 0) return;
      void this.readOnce(live[this.rng.int(live.length)]!, i).then((o) => {
        if (o === 'ok') this.diagnostics.readsLaterOk++;
      });
    });
  }
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
