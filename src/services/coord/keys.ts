// Resource names to ring keys, remembered: an owner judges ownership of a name several times per
// request (sha256 each time was a tenth of a busy owner's CPU in a profile of `bench coord`).
import { hashNameToId, type Id } from '../../core/id.js';

/** Names remembered; the oldest are forgotten first. */
const MAX_KEYS = 20_000;
const keys = new Map<string, Id>();

export function resourceKey(name: string): Id {
  let k = keys.get(name);
  if (k === undefined) {
    k = hashNameToId(name);
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string);
    keys.set(name, k);
  }
  return k;
}
