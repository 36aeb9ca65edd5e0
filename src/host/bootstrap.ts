// Where a starting peer joins. A Bootstrap names the contacts to join through next, or says to
// create a ring; startPeer tries them and reports back how it went. A volunteer asks the rendezvous
// server (ServerContacts); the server's own peer looks for the peers it knew (server/own-peer.ts).
// Neither creates a ring while a ring may exist to join: a second ring would split the cloud.
import type { PeerId } from '../core/id.js';
import type { Clock } from '../env/ports.js';

/** A join that failed: the contacts tried and why. */
export interface JoinFailure {
  contacts: PeerId[];
  error: unknown;
}

export interface Bootstrap {
  /** Contacts to join through next, or 'create' for a new ring; rejects to give up. */
  next(failure: JoinFailure | null): Promise<PeerId[] | 'create'>;
}

/** What a volunteer hears from the server: contacts on the ring, and how many peers the server has. */
export interface ServerView {
  contacts: PeerId[];
  /** Peers connected to the server, this one included (the welcome's `peers`). */
  peers: number;
  /** Fresh contacts; an empty list when the server is gone. */
  requestContacts(): Promise<PeerId[]>;
}

/** Join attempts, each over fresh contacts from the server. */
export const JOIN_ROUNDS = 5;
/**
 * Pause before the second round, doubling after: contacts that are joining themselves refuse at
 * once, and when many peers arrive together a whole round may be such contacts; a moment later
 * they are in place (a join takes a few round trips).
 */
export const JOIN_ROUND_PAUSE_MS = 1000;
/**
 * Longest a volunteer waits for the server to name a contact while it has other peers: the
 * server names only peers its own peer has seen in place on the ring, and after a restart its
 * peer may wait for the peers it knew (server/own-peer.ts, KNOWN_PEERS_WAIT_MS, 30 s) before it
 * creates a ring; this is that and a join on a loaded machine.
 */
export const CONTACTS_WAIT_MS = 60_000;
/** Pause between requests for contacts while the server has none to name; one request a few seconds is nothing to a server. */
const CONTACTS_POLL_MS = 2_000;

/**
 * A volunteer's bootstrap: the server's contacts, up to JOIN_ROUNDS rounds. A new ring only when
 * the server has no other peer at all (a brand-new cloud on a server without a peer of its own);
 * while it has peers but names none on the ring yet, the volunteer asks again.
 */
export class ServerContacts implements Bootstrap {
  private round = 0;

  constructor(
    private readonly server: ServerView | null,
    private readonly clock: Clock,
  ) {}

  async next(failure: JoinFailure | null): Promise<PeerId[] | 'create'> {
    const server = this.server;
    if (server === null) return 'create';
    let contacts = server.contacts;
    if (failure !== null) {
      if (++this.round >= JOIN_ROUNDS) throw new Error(`could not join through the server's contacts in ${JOIN_ROUNDS} rounds: ${describe(failure.error)}`);
      await this.pause(JOIN_ROUND_PAUSE_MS * 2 ** (this.round - 1));
      contacts = await server.requestContacts();
    }
    const deadline = this.clock.now() + CONTACTS_WAIT_MS;
    while (contacts.length === 0) {
      if (server.peers <= 1 && failure === null) return 'create';
      if (this.clock.now() >= deadline) throw new Error(`the server named no peer on the ring within ${CONTACTS_WAIT_MS} ms`);
      await this.pause(CONTACTS_POLL_MS);
      contacts = await server.requestContacts();
    }
    return contacts;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
