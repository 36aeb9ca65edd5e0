// Finding our place again by lookup. Stabilize repairs a successor pointer one peer per round:
// right for a peer that just joined, far too slow for one whose successor lies many peers ahead
// (it joined while the ring was small and grew fast around it, or came back from a partition).
// Such a peer asks a contact elsewhere on the ring to look up its own id, as at a join, and jumps
// straight to its true successor; the answer's predecessor is told at once that we precede it.
// Every peer also checks its place now and then (often after joining, then rarely): thousands
// of joins at once can leave a stretch of peers that the rest of the ring passes by, each right
// about its neighbours in the stretch, which no stabilize round can see.
import { check, matches } from '../core/codec.js';
import { inInterval, type PeerId } from '../core/id.js';
import { CHORD_SVC, RELOCATE_COOLDOWN_PERIODS, SELF_CHECK_FIRST_PERIODS, SELF_CHECK_MAX_PERIODS } from './constants.js';
import type { RingContext } from './context.js';
import type { Maintenance } from './maintenance.js';
import { FindSuccRep, JoinRefusal } from './schemas.js';

export type RelocatorContext = Pick<RingContext, 'self' | 'config' | 'clock' | 'rng' | 'stats' | 'state' | 'status' | 'call'> & {
  /** Where a closer successor found by lookup is adopted. */
  readonly maintenance: Pick<Maintenance, 'takePlace'>;
};

export class Relocator {
  private busy = false;
  private lastAtMs = -Infinity;
  /** Closer successors adopted from stabilize replies since our successor last confirmed us. */
  private walked = 0;
  /** Stabilize periods since we joined, and the period of the next check of our place. */
  private periods = 0;
  private nextCheck = SELF_CHECK_FIRST_PERIODS;

  constructor(private readonly ctx: RelocatorContext) {}

  /** Stabilize moved us one peer back; after a few such steps in a row, look our place up. */
  stepped(): void {
    if (++this.walked >= 3) this.relocate();
  }

  confirmed(): void {
    this.walked = 0;
  }

  /** Once per stabilize period: check our place at 8, 16, 32 … periods after joining, then every SELF_CHECK_MAX_PERIODS. */
  tick(): void {
    if (++this.periods < this.nextCheck) return;
    this.nextCheck = this.periods + Math.min(this.periods, SELF_CHECK_MAX_PERIODS);
    this.relocate();
  }

  /** Ask a contact that is not one of our successors to look up our id for us. */
  relocate(): void {
    const ctx = this.ctx;
    const now = ctx.clock.now();
    if (this.busy || now - this.lastAtMs < RELOCATE_COOLDOWN_PERIODS * ctx.config.stabilizeIntervalMs) return;
    const via = this.pickContact();
    if (via === null) return;
    this.busy = true;
    this.lastAtMs = now;
    this.walked = 0;
    ctx.stats.relocations++;
    this.ask(via, (rep) => {
      this.busy = false;
      if (rep === null) return;
      const owner = rep.owner;
      const s = ctx.state;
      const succ = s.succs[0];
      // The ring already routes our id to us, or knows no closer successor than ours.
      if (owner === ctx.self || (succ !== undefined && !inInterval(s.id(owner), s.selfId, s.id(succ)))) return;
      this.ctx.maintenance.takePlace(owner, rep.succs, rep.pred ?? null);
    });
  }

  /**
   * Ask via to look our id up on its ring (a `join` request marked relocate, over our link to it
   * when there is one): done gets its answer, or null when via could not tell (no answer, not in
   * place itself, no route, a bad body) or we are no longer a member.
   */
  ask(via: PeerId, done: (rep: FindSuccRep | null) => void): void {
    const ctx = this.ctx;
    ctx.call({ peer: via }, CHORD_SVC, 'join', { relocate: true }, {}, (e, env) => {
      if (e || ctx.status !== 'joined') return done(null);
      // A contact not in place itself, or without a route, cannot tell us where we belong.
      if (matches(JoinRefusal, env!.body)) return done(null);
      const rep = check(FindSuccRep, env!.body, 'relocate reply');
      if (!rep.ok) {
        ctx.stats.badBodies++;
        return done(null);
      }
      done(rep.value);
    });
  }

  /**
   * A random contact that is neither a successor nor our predecessor: its lookup does not start
   * along our own neighbourhood, which may be the stretch the ring passes by. A peer not yet in
   * place has no fingers: it asks whom it has, its successor last, whose fingers reach elsewhere.
   */
  private pickContact(): PeerId | null {
    const s = this.ctx.state;
    const far: PeerId[] = [];
    for (const p of s.contacts.keys()) if (p !== s.pred && !s.succs.includes(p)) far.push(p);
    if (far.length > 0) return far[this.ctx.rng.int(far.length)]!;
    if (s.pred !== null && s.contacts.has(s.pred)) return s.pred;
    const succ = s.succs[0];
    return succ !== undefined && s.contacts.has(succ) ? succ : null;
  }
}
