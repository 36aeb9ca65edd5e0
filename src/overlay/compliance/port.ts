// The ring port compliance suite: what every RingPort (overlay/port.ts) must do for a service.
// ChordRing on the simulator and the simulator's oracle ring both run it. The setup gives a ring
// of peers on virtual time: run(ms) lets time pass, settle() runs until the ring is right again
// after a join or a crash (or fails), and requests settle inside the Env events of run().
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../core/envelope.js';
import { CumulusError } from '../../core/errors.js';
import { hashNameToId, idFromHex, inInterval, type Id, type PeerId } from '../../core/id.js';
import type { RingPort, RingPortEvents } from '../port.js';

export interface RingPortSetup {
  /** The peers the ring started with, joined and settled (at least four); add() and crash() leave the list alone. */
  readonly ports: readonly RingPort[];
  /** Let ms of virtual time pass. */
  run(ms: number): void;
  /** Run until the ring is right again after a join or a crash; throws (with the seed) when it is not in time. */
  settle(): void;
  /** A new peer joins (settle() puts it in place). */
  add(): RingPort;
  /** The peer crashes: it answers nothing from now on. */
  crash(port: RingPort): void;
}

const SVC = 'echo';
/** Shorter than any ring's default, so a request that will not be answered fails quickly. */
const SHORT_TIMEOUT_MS = 1_500;
const KEYS = 24;

/** The live peers in id order, the way the true ring has them. */
function inRingOrder(ports: readonly RingPort[]): RingPort[] {
  return [...ports].sort((a, b) => (a.self < b.self ? -1 : 1));
}

/** The true owner of key among the peers: its successor. */
function trueOwner(ports: readonly RingPort[], key: Id): PeerId {
  const sorted = inRingOrder(ports);
  return (sorted.find((p) => idFromHex(p.self) >= key) ?? sorted[0]!).self;
}

/** Every peer answers 'echo' requests with its id and the body it got; returns the unsubscribes. */
function echo(ports: readonly RingPort[]): Map<PeerId, () => void> {
  return new Map(ports.map((p) => [p.self, p.onService(SVC, (env) => void p.reply(env, { by: p.self, got: env.body }))]));
}

/** Send a request, let the ring run, and return its outcome. */
async function ask(s: RingPortSetup, from: RingPort, target: Id | { peer: PeerId }, body: unknown, timeoutMs?: number): Promise<Envelope | CumulusError> {
  const reply = from.request(target, SVC, 'ping', body, timeoutMs === undefined ? {} : { timeoutMs });
  s.run((timeoutMs ?? SHORT_TIMEOUT_MS) + 1_000);
  return reply.catch((e: unknown) => (e instanceof CumulusError ? e : Promise.reject(e)));
}

export function runRingPortTests(name: string, setup: () => RingPortSetup): void {
  describe(`RingPort compliance: ${name}`, () => {
    it('routes a request to the true owner of a key, and its reply back', async () => {
      const s = setup();
      echo(s.ports);
      for (let i = 0; i < KEYS; i++) {
        const key = hashNameToId(`key ${i}`);
        const from = s.ports[i % s.ports.length]!;
        const rep = await ask(s, from, key, { i });
        if (rep instanceof CumulusError) throw rep;
        expect(rep.src).toBe(trueOwner(s.ports, key));
        expect(rep.body).toEqual({ by: rep.src, got: { i } });
      }
    });

    it('delivers a request to a given peer, and its reply back', async () => {
      const s = setup();
      echo(s.ports);
      const [a, b] = s.ports as [RingPort, RingPort];
      const rep = await ask(s, a, { peer: b.self }, 'hello');
      if (rep instanceof CumulusError) throw rep;
      expect([rep.src, rep.body]).toEqual([b.self, { by: b.self, got: 'hello' }]);
      let heard: Envelope | null = null;
      b.onService('note', (env) => void (heard = env));
      expect(a.send(b.self, 'note', 'tell', { n: 1 })).toBe(true);
      s.run(1_000);
      expect(heard).toMatchObject({ src: a.self, op: 'tell', body: { n: 1 } });
    });

    it('agrees with the true ring once settled: successors, predecessor, owned keys, links', () => {
      const s = setup();
      const sorted = inRingOrder(s.ports);
      const n = sorted.length;
      sorted.forEach((p, i) => {
        const pred = sorted[(i - 1 + n) % n]!.self;
        const succ = sorted[(i + 1) % n]!.self;
        expect(p.predecessor()).toBe(pred);
        expect(p.successors()[0]).toBe(succ);
        // Nearest first: the list follows the ring from us.
        const ids = p.successors().map((q) => idFromHex(q));
        for (let j = 1; j < ids.length; j++) expect(inInterval(ids[j]!, idFromHex(p.self), ids[j - 1]!)).toBe(false);
        expect(p.owns(idFromHex(p.self))).toBe(true);
        expect(p.owns(idFromHex(pred))).toBe(false);
        for (let k = 0; k < KEYS; k++) {
          const key = hashNameToId(`key ${k}`);
          expect(p.owns(key)).toBe(trueOwner(s.ports, key) === p.self);
        }
        // A peer is linked at least to its successor, and never to itself.
        expect(p.isLinked(succ)).toBe(true);
        expect(p.isLinked(p.self)).toBe(false);
        expect(p.links()).toContain(succ);
      });
    });

    it('tells a joiner\'s neighbours that their range and successors changed, until unsubscribed', () => {
      const s = setup();
      const seen = new Map<PeerId, Array<[keyof RingPortEvents, unknown]>>();
      const offs: Array<() => void> = [];
      for (const p of s.ports) {
        const log: Array<[keyof RingPortEvents, unknown]> = [];
        seen.set(p.self, log);
        for (const name of ['range-changed', 'successors-changed', 'predecessor-changed'] as const) offs.push(p.events.on(name, (e) => log.push([name, e])));
      }
      const joiner = s.add();
      s.settle();
      const sorted = inRingOrder([...s.ports, joiner]);
      const i = sorted.indexOf(joiner);
      const pred = sorted[(i - 1 + sorted.length) % sorted.length]!.self;
      const succ = sorted[(i + 1) % sorted.length]!.self;
      expect(seen.get(succ)).toContainEqual(['predecessor-changed', expect.objectContaining({ to: joiner.self })]);
      expect(seen.get(succ)).toContainEqual(['range-changed', expect.objectContaining({ to: { start: joiner.self, end: succ } })]);
      expect(seen.get(pred)!.some(([name, e]) => name === 'successors-changed' && (e as { successors: PeerId[] }).successors[0] === joiner.self)).toBe(true);
      for (const off of offs) off();
      const before = [...seen.values()].reduce((sum, log) => sum + log.length, 0);
      s.add();
      s.settle();
      expect([...seen.values()].reduce((sum, log) => sum + log.length, 0)).toBe(before);
    });

    it('tells a crashed peer\'s successor and predecessor that it is gone', () => {
      const s = setup();
      const sorted = inRingOrder(s.ports);
      const gone = sorted[2]!;
      const heard = new Map<PeerId, Array<RingPortEvents['peer-gone']>>();
      for (const p of s.ports) {
        const log: Array<RingPortEvents['peer-gone']> = [];
        heard.set(p.self, log);
        p.events.on('peer-gone', (e) => log.push(e));
      }
      s.crash(gone);
      s.settle();
      for (const neighbour of [sorted[1]!, sorted[3]!]) {
        expect(heard.get(neighbour.self)).toContainEqual({ peer: gone.self, failed: true });
      }
    });

    it('stops delivering to a service once its handler is unsubscribed', async () => {
      const s = setup();
      const offs = echo(s.ports);
      const [a, b] = s.ports as [RingPort, RingPort];
      offs.get(b.self)!();
      const rep = await ask(s, a, { peer: b.self }, 'anyone?', SHORT_TIMEOUT_MS);
      expect(rep).toBeInstanceOf(CumulusError);
      expect((rep as CumulusError).code).toBe('TIMEOUT');
    });

    it('fails a request to a peer that is gone, and routes its keys to the next owner', async () => {
      const s = setup();
      echo(s.ports);
      const [a, , gone] = s.ports as [RingPort, RingPort, RingPort];
      s.crash(gone);
      const live = s.ports.filter((p) => p !== gone);
      s.settle();
      const rep = await ask(s, a, { peer: gone.self }, 'still there?', SHORT_TIMEOUT_MS);
      expect(rep).toBeInstanceOf(CumulusError);
      expect(['TIMEOUT', 'PEER_GONE']).toContain((rep as CumulusError).code);
      const byKey = await ask(s, a, idFromHex(gone.self), 'whose now?');
      if (byKey instanceof CumulusError) throw byKey;
      expect(byKey.src).toBe(trueOwner(live, idFromHex(gone.self)));
    });
  });
}
