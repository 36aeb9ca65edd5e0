// Proves the order of a repair batch: across the files of one batch, chunks down to their last live copy are re-replicated before chunks that still have two, whatever file and position they are in, and each file's record is updated once with every mended chunk; peers a departure notice named are probed with the short timeout in later batches too.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { ManualClock } from '../../env/memory-clock.js';
import type { RingPort } from '../../overlay/port.js';
import { READ_FIRST_PIECE_TIMEOUT_MS } from './constants.js';
import type { Keeper } from './keeper.js';
import type { FileRecord } from './records.js';
import { Repairer } from './repair.js';

const peer = (n: number) => n.toString(16).padStart(40, '0') as PeerId;
const [A, B, C, D] = [1, 2, 3, 4].map(peer) as [PeerId, PeerId, PeerId, PeerId];
const chunk = (n: number, holders: PeerId[]) => ({ id: n.toString(16).padStart(40, 'c'), holders });

/** A file of `holders.length` chunks of 10 bytes, three replicas each. */
function file(path: string, holders: PeerId[][], first: number): FileRecord {
  return { kind: 'file', path, rev: 1, size: 10 * holders.length, chunkBytes: 10, replicas: 3, chunks: holders.map((h, i) => chunk(first + i, h)) } as unknown as FileRecord;
}

/** A repairer whose probes say A and B are gone (C and D hold everything) and whose copies record their order. */
class Recorder extends Repairer {
  readonly order: string[] = [];

  override async repairOne(ref: { id: string }, live: PeerId[]): Promise<PeerId[]> {
    this.order.push(`${ref.id.slice(-2)}:${live.length}`);
    await Promise.resolve();
    return [...live, peer(9), peer(10)].slice(0, 3);
  }
}

function world() {
  const clock = new ManualClock(0);
  const updates: FileRecord[] = [];
  const keeper = { updateIfNewer: async (rec: FileRecord) => void updates.push(rec) } as unknown as Keeper;
  const timeouts = new Map<PeerId, number>();
  // The ring answers every probe: C and D have every chunk; A and B are gone.
  const ring = {
    self: peer(0),
    request: async (to: { peer: PeerId }, _svc: string, _op: string, body: { ids: string[] }, opts: { timeoutMs: number }) => {
      timeouts.set(to.peer, opts.timeoutMs);
      if (to.peer === A || to.peer === B) throw new Error('gone');
      return { src: to.peer, body: { ok: true, have: body.ids.map(() => true) } };
    },
  } as unknown as RingPort;
  const rp = new Recorder(ring, clock, { next: () => 0.5, int: () => 0 } as never, keeper, 60_000, 5_000);
  return { rp, updates, timeouts };
}

describe('a repair batch', () => {
  it('re-replicates the chunks with one live copy first, across files, then records each file once', async () => {
    const { rp, updates } = world();
    // f1: chunk 10 has two live copies (C, D), chunk 11 one (C). f2: chunk 20 two, chunk 21 one (D).
    const f1 = file('/f1', [[A, C, D], [A, B, C]], 0x10);
    const f2 = file('/f2', [[B, C, D], [A, B, D]], 0x20);
    await rp.repairFiles([f1, f2]);
    expect(rp.order.slice(0, 2).sort()).toEqual(['11:1', '21:1']);
    expect(rp.order.slice(2).sort()).toEqual(['10:2', '20:2']);
    expect(updates.map((u) => u.path).sort()).toEqual(['/f1', '/f2']);
    expect(updates.every((u) => u.chunks.every((c) => c.holders.length === 3))).toBe(true);
  });

  it('probes a peer named gone by a notice with the short timeout, in any later batch', async () => {
    const { rp, timeouts } = world();
    const f = file('/f', [[A, B, C]], 0x30);
    await rp.repairFiles([f]);
    expect(timeouts.get(A)).toBe(5_000);
    rp.noteGone(A);
    await rp.repairFiles([f]);
    expect(timeouts.get(A)).toBe(READ_FIRST_PIECE_TIMEOUT_MS);
    expect(timeouts.get(B)).toBe(5_000);
    expect(timeouts.get(C)).toBe(5_000);
  });
});
