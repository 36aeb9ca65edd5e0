// One job's journal as a peer holds it (the keeper or a replica): its entries in order and the
// state they build. `append` applies an entry only if the state accepts it, so keeper and replicas
// refuse the same entries for the same reasons.
import type { Entry } from './schemas.js';
import { JobState, type Refusal } from './state.js';

export class Journal {
  readonly state = new JobState();
  readonly entries: Entry[] = [];

  constructor(readonly jobId: string) {}

  /** The next entry's sequence number: how many entries are held. */
  get seq(): number {
    return this.entries.length;
  }

  /** Apply and hold an entry, or say why it cannot follow the ones held. */
  append(e: Entry): Refusal | null {
    const r = this.state.refusal(e);
    if (r !== null) return r;
    this.state.apply(e);
    this.entries.push(e);
    return null;
  }
}
