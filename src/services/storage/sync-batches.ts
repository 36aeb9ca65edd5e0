// Cutting metadata sync items into frames: at most MAX_SYNC_RECORDS items and about
// SYNC_FRAME_BUDGET_BYTES of them, so records that carry inline data or long chunk lists never
// add up past a frame. The estimate counts each item's variable parts (inline bytes, chunk ids,
// holder tables, directory entries) plus a fixed allowance for the rest.
import { MAX_SYNC_RECORDS, SYNC_FRAME_BUDGET_BYTES } from './constants.js';
import type { SyncItem } from './keeper.js';

/** Bytes an item's fixed fields (path, numbers, keys, msgpack framing) take at most, about. */
const ITEM_FIXED_BYTES = 1_200;
/** Bytes a directory entry takes on the wire, besides its name. */
const ENTRY_FIXED_BYTES = 16;

/** About how many bytes an item takes in a sync frame. */
export function syncItemBytes(item: SyncItem): number {
  let n = ITEM_FIXED_BYTES;
  const rec = item.rec;
  if (rec.kind === 'file') {
    n += rec.ids.length + rec.peers.length + 2 * rec.holders.reduce((a, h) => a + h.length + 1, 0) + (rec.data?.length ?? 0);
    if (rec.index) n += rec.index.ids.length + rec.index.peers.length + 2 * rec.index.holders.reduce((a, h) => a + h.length + 1, 0) + 5 * rec.index.bytes.length;
  }
  for (const e of item.entries ?? []) n += e.name.length * 3 + ENTRY_FIXED_BYTES;
  return n;
}

/** Take the items of the next frame off the front of `items` (at least one). */
export function takeSyncBatch(items: SyncItem[]): SyncItem[] {
  let bytes = 0;
  let k = 0;
  while (k < items.length && k < MAX_SYNC_RECORDS) {
    bytes += syncItemBytes(items[k]!);
    if (k > 0 && bytes > SYNC_FRAME_BUDGET_BYTES) break;
    k++;
  }
  return items.splice(0, k);
}

/** All the frames for a list of items, in order. */
export function syncBatches(items: readonly SyncItem[]): SyncItem[][] {
  const rest = [...items];
  const out: SyncItem[][] = [];
  while (rest.length > 0) out.push(takeSyncBatch(rest));
  return out;
}
