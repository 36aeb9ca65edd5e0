// The parts of one ring, wired together. Each part gets the ring's RingCore (context.ts), which
// holds the context and every part, and its constructor's type says which slice of them it uses.
// Parts call one another only once the ring runs (no constructor calls another part), so they can
// be built in any order before the first of them is used.
import type { RingCore } from './context.js';
import { FingerAnswers, Fingers } from './fingers/index.js';
import { Join } from './join.js';
import { LostPeers } from './lost.js';
import { Maintenance } from './maintenance.js';
import { Meetings } from './meet.js';
import { Neighbours } from './neighbours.js';
import { Relocator } from './relocate.js';
import { LinkRoles } from './roles.js';
import { Stabilizer } from './stabilize.js';
import { Attachment } from './attach.js';

export interface RingParts {
  readonly maintenance: Maintenance;
  readonly neighbours: Neighbours;
  readonly stabilizer: Stabilizer;
  readonly fingers: Fingers;
  readonly fingerAnswers: FingerAnswers;
  readonly roles: LinkRoles;
  readonly join: Join;
  readonly lost: LostPeers;
  readonly meetings: Meetings;
  readonly relocator: Relocator;
  readonly attachment: Attachment;
}

/** Make the parts of the ring whose core this is, and set them on it. */
export function assembleParts(core: RingCore): void {
  core.roles = new LinkRoles(core);
  core.fingers = new Fingers(core);
  core.fingerAnswers = new FingerAnswers(core);
  core.lost = new LostPeers(core);
  core.meetings = new Meetings(core);
  core.stabilizer = new Stabilizer(core);
  core.neighbours = new Neighbours(core);
  core.join = new Join(core);
  core.relocator = new Relocator(core);
  core.maintenance = new Maintenance(core);
  core.attachment = new Attachment(core);
}
