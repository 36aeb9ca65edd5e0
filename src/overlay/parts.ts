// The parts of one ring, wired together. Each part gets the context and the parts object, and
// its constructor's types say which slice of each it uses. Parts call one another only once the
// ring runs (no constructor calls another part), so they can be built in any order into one
// object before the first of them is used.
import type { RingContext } from './context.js';
import { FingerAnswers, Fingers } from './fingers/index.js';
import { Join } from './join.js';
import { LostPeers } from './lost.js';
import { Maintenance } from './maintenance.js';
import { Neighbours } from './neighbours.js';
import { Relocator } from './relocate.js';
import { LinkRoles } from './roles.js';
import { Stabilizer } from './stabilize.js';

export interface RingParts {
  readonly maintenance: Maintenance;
  readonly neighbours: Neighbours;
  readonly stabilizer: Stabilizer;
  readonly fingers: Fingers;
  readonly fingerAnswers: FingerAnswers;
  readonly roles: LinkRoles;
  readonly join: Join;
  readonly lost: LostPeers;
  readonly relocator: Relocator;
}

export function assembleParts(ctx: RingContext): RingParts {
  const parts = {} as { -readonly [K in keyof RingParts]: RingParts[K] };
  parts.roles = new LinkRoles(ctx, parts);
  parts.fingers = new Fingers(ctx, parts);
  parts.fingerAnswers = new FingerAnswers(ctx, parts);
  parts.lost = new LostPeers(ctx, parts);
  parts.stabilizer = new Stabilizer(ctx, parts);
  parts.neighbours = new Neighbours(ctx, parts);
  parts.join = new Join(ctx, parts);
  parts.relocator = new Relocator(ctx, parts);
  parts.maintenance = new Maintenance(ctx, parts);
  return parts;
}
