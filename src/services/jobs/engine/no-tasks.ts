// Peers that run no tasks. Running a task is running a stranger's code, so a peer lends its CPU
// only if it says it will: the rendezvous server's own peer never does (it runs no user code), even
// when it stands on the ring to lend storage and so holds chunks that a keeper would otherwise
// place map tasks next to. A peer with no worker tells every peer it links to (`no-tasks`, sent by
// JobsService.linkUp) and refuses a `run` frame with `no-tasks` should one cross that notice; a
// keeper leaves such peers out of its workers and out of an input's preferred holders, and a busy
// worker does not probe them for offload. A notice counts only when it names a linked peer and
// took no hop; the worst a forged one can do is make one keeper pass a willing peer over.
import type { PeerId } from '../../../core/id.js';
import { MAX_NO_TASK_PEERS } from './constants.js';

export class NoTaskPeers {
  private readonly peers = new Set<PeerId>();
  /** Changes on every addition, so that a cached filtered worker list knows to be rebuilt. */
  version = 0;

  has(peer: PeerId): boolean {
    return this.peers.has(peer);
  }

  add(peer: PeerId): void {
    if (this.peers.has(peer)) return;
    if (this.peers.size >= MAX_NO_TASK_PEERS) this.peers.delete(this.peers.values().next().value!);
    this.peers.add(peer);
    this.version++;
  }

  /**
   * The workers a placement offers less the peers that run no tasks: the same array while neither
   * changes, as the scheduler's pool re-indexes only when handed a different one.
   */
  filter(): (workers: readonly PeerId[]) => readonly PeerId[] {
    let input: readonly PeerId[] | undefined;
    let seen = -1;
    let output: readonly PeerId[] = [];
    return (workers) => {
      if (workers !== input || seen !== this.version) {
        const kept = workers.filter((p) => !this.peers.has(p));
        // An unchanged set keeps its array, so a placement that builds a new one each call costs no re-index.
        if (kept.length !== output.length || kept.some((p, i) => p !== output[i])) output = kept;
        input = workers;
        seen = this.version;
      }
      return output;
    };
  }
}
