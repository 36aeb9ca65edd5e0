// The Clock compliance suite. A setup gives a way to let time pass: the manual and simulated
// clocks advance virtual time; a real clock waits that long on real time.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../ports.js';

export interface ClockSetup {
  clock: Clock;
  /** Let at least ms of this clock's time pass, firing what falls due. */
  advance(ms: number): Promise<void>;
  teardown?(): void | Promise<void>;
}

export function runClockCompliance(name: string, setup: () => ClockSetup | Promise<ClockSetup>): void {
  describe(`Clock compliance: ${name}`, () => {
    it('fires timers in order of due time, then of creation', async () => {
      const s = await setup();
      const fired: string[] = [];
      s.clock.setTimer(30, () => fired.push('c'));
      s.clock.setTimer(10, () => fired.push('a1'));
      s.clock.setTimer(20, () => fired.push('b'));
      s.clock.setTimer(10, () => fired.push('a2'));
      s.clock.setTimer(-5, () => fired.push('zero'));
      await s.advance(60);
      expect(fired).toEqual(['zero', 'a1', 'a2', 'b', 'c']);
      await s.teardown?.();
    });

    it('does not fire a timer before its time, and fires it after', async () => {
      const s = await setup();
      let fired = false;
      const start = s.clock.now();
      s.clock.setTimer(50, () => {
        fired = true;
        expect(s.clock.now() - start).toBeGreaterThanOrEqual(50);
      });
      await s.advance(20);
      expect(fired).toBe(false);
      await s.advance(60);
      expect(fired).toBe(true);
      await s.teardown?.();
    });

    it('cancels pending timers; cancelling twice or after firing does nothing', async () => {
      const s = await setup();
      const fired: number[] = [];
      const h1 = s.clock.setTimer(10, () => fired.push(1));
      const h2 = s.clock.setTimer(10, () => fired.push(2));
      s.clock.cancel(h1);
      s.clock.cancel(h1);
      await s.advance(30);
      s.clock.cancel(h2);
      expect(fired).toEqual([2]);
      await s.teardown?.();
    });

    it('runs timers set from inside timers, and now() never goes backwards', async () => {
      const s = await setup();
      const seen: number[] = [s.clock.now()];
      let depth = 0;
      const again = (): void => {
        seen.push(s.clock.now());
        if (++depth < 5) s.clock.setTimer(5, again);
      };
      s.clock.setTimer(5, again);
      await s.advance(100);
      seen.push(s.clock.now());
      expect(depth).toBe(5);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      await s.teardown?.();
    });
  });
}
