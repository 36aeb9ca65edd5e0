// Joining through a bootstrap peer: link to it, ask it to look up our successor (we are not
// routable yet), and retry a few times if the link or the answer does not come.
import { check, matches } from '../core/codec.js';
import { CumulusError, PeerGoneError } from '../core/errors.js';
import type { PeerId } from '../core/id.js';
import type { TimerHandle } from '../env/ports.js';
import { CHORD_SVC, JOIN_LOOKUP_TRIES } from './constants.js';
import type { MuxView, RingContext } from './context.js';
import type { Maintenance } from './maintenance.js';
import type { LinkRoles } from './roles.js';
import { FindSuccRep, JoinRefusal } from './schemas.js';

/** What the bootstrap's lookup told us: our successor, its successors and predecessor. */
export interface JoinAnswer {
  owner: PeerId;
  succs: PeerId[];
  pred: PeerId | null;
}

/**
 * The bootstrap answered that it is not in place on a ring itself (it is joining too, or stands
 * on no ring): it is reachable, but no way in. A caller that waits for an existing ring (the
 * server's peer after a restart) tells this apart from a bootstrap that could not be reached.
 */
export class JoinRefusedError extends CumulusError {
  constructor(readonly bootstrap: PeerId) {
    super('REFUSED', `bootstrap ${bootstrap} is not in place on a ring`, { bootstrap });
  }
}

export type JoinContext = Pick<RingContext, 'self' | 'config' | 'clock' | 'events' | 'status' | 'setStatus' | 'call'> & {
  readonly mux: Pick<MuxView, 'isLinked' | 'connect'>;
  /** Takes the answer: we are a member from then on. */
  readonly maintenance: Pick<Maintenance, 'joined'>;
  readonly roles: Pick<LinkRoles, 'update'>;
};

export class Join {
  bootstrap: PeerId | null = null;
  private timer: TimerHandle | null = null;
  private attempt = 0;
  /** Lookups this bootstrap failed to answer (no reply, or no route): after two we try another. */
  private lookupFailures = 0;
  private settle: { resolve(): void; reject(e: Error): void } | null = null;

  constructor(private readonly ctx: JoinContext) {}

  start(bootstrap: PeerId): Promise<void> {
    this.ctx.setStatus('joining');
    this.bootstrap = bootstrap;
    // A join through another bootstrap after a failed one gets its own attempts.
    this.attempt = 0;
    this.lookupFailures = 0;
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.next();
    });
  }

  linkUp(peer: PeerId): void {
    if (peer === this.bootstrap) this.send(peer);
  }

  linkDown(peer: PeerId): void {
    if (peer !== this.bootstrap) return;
    this.cancelTimer();
    this.next();
  }

  /** The ring stopped: a join in progress fails. */
  stop(): void {
    this.cancelTimer();
    this.settle?.reject(new PeerGoneError(this.bootstrap ?? this.ctx.self));
    this.settle = null;
  }

  private next(): void {
    const b = this.bootstrap;
    const ctx = this.ctx;
    if (ctx.status !== 'joining' || b === null) return;
    if (this.attempt++ >= ctx.config.joinAttempts) return this.giveUp(b);
    if (ctx.mux.isLinked(b)) return this.send(b);
    ctx.mux.connect(b);
    this.timer = ctx.clock.setTimer(ctx.config.requestTimeoutMs, () => {
      this.timer = null;
      this.next();
    });
  }

  private send(b: PeerId): void {
    this.cancelTimer();
    this.ctx.call({ peer: b }, CHORD_SVC, 'join', {}, { timeoutMs: 2 * this.ctx.config.requestTimeoutMs }, (e, env) => {
      if (e) return this.lookupFailed(b);
      const body = env!.body;
      if (matches(JoinRefusal, body) && this.ctx.status === 'joining' && this.bootstrap === b) {
        // A bootstrap not in place itself cannot help: give it up now (the caller tries its next
        // contact). One whose lookup found no route may do better on the next attempt.
        if (body.refused === 'not-in-place') return this.giveUp(b, new JoinRefusedError(b));
        return this.lookupFailed(b);
      }
      const rep = check(FindSuccRep, body, 'join reply');
      if (!rep.ok || this.ctx.status !== 'joining') return this.next();
      const v = rep.value;
      this.bootstrap = null;
      this.ctx.maintenance.joined({ owner: v.owner, succs: v.succs, pred: v.pred ?? null });
      this.settle?.resolve();
      this.settle = null;
      // The bootstrap link has served; it stays only if the ring gives it another role.
      this.ctx.roles.update(b);
    });
  }

  /**
   * The bootstrap's lookup of our place gave no answer. Once more, then another contact: in a
   * ring of 50,000 peers growing by thousands a second, a bootstrap whose lookups fail twice kept
   * failing (a joiner waited 13 s on one), where the next contact answers in about a second.
   */
  private lookupFailed(b: PeerId): void {
    if (this.ctx.status === 'joining' && this.bootstrap === b && ++this.lookupFailures >= JOIN_LOOKUP_TRIES) return this.giveUp(b);
    this.next();
  }

  /** This bootstrap cannot get us in: the join through it fails ('join-failed'). */
  private giveUp(b: PeerId, error: Error = new PeerGoneError(b)): void {
    const ctx = this.ctx;
    this.cancelTimer();
    ctx.setStatus('idle');
    this.bootstrap = null;
    this.settle?.reject(error);
    this.settle = null;
    ctx.events.emit('join-failed', { bootstrap: b });
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.ctx.clock.cancel(this.timer);
    this.timer = null;
  }
}
