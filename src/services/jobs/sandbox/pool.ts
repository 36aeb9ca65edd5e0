// The sandboxes of one peer: at most `size` at once, each running one task at a time. An idle
// sandbox is reused by the next task whose heap limit it was made with (its heap limit is fixed
// when it starts), so the tasks of a job run in warm sandboxes that hold their compiled module.
// A sandbox that was ended (a timeout, a cancel, a crash, a task over its heap) is replaced by a
// new one when a task next needs it. Tasks wait in a bounded queue for a sandbox.
import { CumulusError } from '../../../core/errors.js';
import { isFromSandbox, type FromSandbox, type SandboxChannel, type SandboxFactory } from './protocol.js';

/** Tasks that may wait for a sandbox; past it a task fails at once as the executor's error. */
const MAX_WAITING = 1024;

export interface SandboxStats {
  /** Sandboxes started, and of those, started to replace one that was ended. */
  spawned: number;
  replaced: number;
}

/** One sandbox, lent to one task at a time. */
export class Sandbox {
  private listener: ((m: FromSandbox) => void) | undefined;
  private exitListener: ((reason: 'oom' | 'crash', message: string) => void) | undefined;
  /** Resolves when the sandbox has locked itself down and can take a task. */
  readonly ready: Promise<void>;
  dead = false;

  constructor(
    readonly channel: SandboxChannel,
    readonly heapBytes: number,
  ) {
    let markReady!: () => void;
    let fail!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (fail = reject)));
    this.ready.catch(() => undefined);
    channel.onMessage((m) => {
      if (!isFromSandbox(m)) return this.crash('crash', 'the sandbox sent a malformed message');
      if (m.t === 'ready') return markReady();
      this.listener?.(m);
    });
    channel.onExit((reason, message) => {
      this.dead = true;
      fail(new CumulusError('INTERNAL', `the sandbox ended before it was ready: ${message}`));
      this.exitListener?.(reason, message);
    });
  }

  /** Route this sandbox's messages and its end to the task it runs now. */
  lend(onMessage: (m: FromSandbox) => void, onExit: (reason: 'oom' | 'crash', message: string) => void): void {
    this.listener = onMessage;
    this.exitListener = onExit;
  }

  /** End it now; its task (if any) hears nothing more. */
  end(): void {
    this.dead = true;
    this.listener = undefined;
    this.exitListener = undefined;
    this.channel.terminate();
  }

  private crash(reason: 'oom' | 'crash', message: string): void {
    const f = this.exitListener;
    this.end();
    f?.(reason, message);
  }
}

export class SandboxPool {
  private readonly idle: Sandbox[] = [];
  private busy = 0;
  private readonly waiting: { heapBytes: number; resolve: (s: Sandbox) => void; reject: (e: Error) => void }[] = [];
  readonly stats: SandboxStats = { spawned: 0, replaced: 0 };

  constructor(
    readonly factory: SandboxFactory,
    /** Sandboxes at most: the CPU this peer lends to sandboxed tasks. */
    private max: number,
  ) {}

  /** Sandboxes at most: the CPU this peer lends to sandboxed tasks. */
  get size(): number {
    return this.max;
  }

  /**
   * The volunteer changed its CPU limit: at most n sandboxes from now on. Idle ones past it end at
   * once; busy ones finish their task first, and no new one starts while n or more are busy.
   */
  resize(n: number): void {
    this.max = Math.max(1, Math.floor(n));
    while (this.idle.length > 0 && this.busy + this.idle.length > this.max) this.idle.shift()!.end();
  }

  /** A sandbox made with this heap limit, ready for a task; waits while all are busy. */
  async acquire(heapBytes: number): Promise<Sandbox> {
    const s = await this.take(heapBytes);
    await s.ready;
    return s;
  }

  private take(heapBytes: number): Promise<Sandbox> {
    const i = this.idle.findIndex((s) => s.heapBytes === heapBytes && !s.dead);
    if (i >= 0) {
      this.busy++;
      return Promise.resolve(this.idle.splice(i, 1)[0]!);
    }
    if (this.busy + this.idle.length >= this.size && this.idle.length > 0) this.idle.shift()!.end();
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve(this.spawn(heapBytes));
    }
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(new CumulusError('UNAVAILABLE', `${MAX_WAITING} tasks already wait for a sandbox`));
    return new Promise((resolve, reject) => this.waiting.push({ heapBytes, resolve, reject }));
  }

  /** Give a sandbox back after its task; a dead one is dropped and replaced when next needed. */
  release(s: Sandbox): void {
    this.busy--;
    if (!s.dead) this.idle.push(s);
    else this.stats.replaced++;
    const next = this.waiting.shift();
    if (next !== undefined) void this.take(next.heapBytes).then(next.resolve, next.reject);
  }

  /** End every sandbox (the peer stops). */
  close(): void {
    for (const s of this.idle.splice(0)) s.end();
    for (const w of this.waiting.splice(0)) w.reject(new CumulusError('CANCELLED', 'the sandboxes were closed'));
  }

  private spawn(heapBytes: number): Sandbox {
    this.stats.spawned++;
    return new Sandbox(this.factory.spawn(heapBytes), heapBytes);
  }
}
