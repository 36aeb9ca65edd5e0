// The checker of the slices scenario: the keeper's records against the live peers and what each
// member believes, per repair round.
import type { PeerId } from '../../core/id.js';
import type { SliceRecord } from '../../services/slices/messages.js';
import type { SliceService } from '../../services/slices/service.js';

export interface SliceCheck {
  /** Peers listed in two slices' records, or believing they are in a slice whose record lacks them. */
  overlaps: number;
  /** Per slice: is it full, of live members only, each knowing its name and its two neighbours? */
  consistent: Map<string, boolean>;
  /** Members over all slices, against what the slices are asked to hold. */
  members: number;
  wanted: number;
}

export function checkSlices(records: readonly SliceRecord[], live: ReadonlyMap<PeerId, { slices: SliceService }>): SliceCheck {
  const seen = new Map<PeerId, string>();
  let overlaps = 0;
  const consistent = new Map<string, boolean>();
  for (const r of records) {
    for (const m of r.members) {
      if (seen.has(m)) overlaps++;
      seen.set(m, r.name);
    }
    const n = r.members.length;
    consistent.set(r.name, n === r.size && r.members.every((m, i) => {
      const ms = live.get(m)?.slices.membership();
      return ms?.name === r.name && ms.succ === r.members[(i + 1) % n] && ms.pred === r.members[(i - 1 + n) % n];
    }));
  }
  for (const [id, p] of live) {
    const name = p.slices.membership()?.name;
    if (name !== undefined && seen.has(id) && seen.get(id) !== name) overlaps++;
  }
  return {
    overlaps, consistent,
    members: records.reduce((s, r) => s + r.members.length, 0),
    wanted: records.reduce((s, r) => s + r.size, 0),
  };
}
