// Proves the dropin bench's figures on hand-made timelines: click to sent split by whether a slot was free, the share of waiting time with the application idle, and a slot's turn split into answer (the redirect, the page it names, the commit), hand-over and send.
import { describe, expect, it } from 'vitest';
import { appIdleShare, clickToSent, slotTurns, timeline, turnParts } from './dropin-figures.js';
import type { Click } from './notes-visitor.js';
import type { AppPost } from './notes-app.js';

const post = (tag: string, startMs: number, endMs: number): AppPost => ({ path: '/edit', tag, startMs, endMs });
const click = (tag: string, atMs: number, nav?: Partial<Click>): Click => ({ tag, atMs, outcome: 'saved', reason: '', ...nav });

describe('dropin bench figures', () => {
  // Capacity 1: a clicks at 0 and posts 10–110; b clicks at 50, waits, posts 200–300.
  const clicks = [click('a', 0, { navStartMs: 5, releaseMs: 150, grantMs: 3, redirectEndMs: 115, responseStartMs: 130 }), click('b', 50, { navStartMs: 180, releaseMs: 340, grantMs: 160 })];
  const posts = [post('a', 10, 110), post('b', 200, 300)];
  const t = timeline(clicks, posts);

  it('click to sent, all clicks and those that found a free slot', () => {
    expect(clickToSent(t, 1)).toEqual({ all: [10, 150], free: [10] });
    expect(clickToSent(t, 2).free).toEqual([10, 150]);
  });

  it('the application is idle for the share of waiting time with no POST in flight', () => {
    // Waiting for a slot 0–3 (a) and 50–160 (b): 113 ms; no POST in flight 0–3 and 110–160: 53 ms.
    expect(appIdleShare(t)).toBeCloseTo(53 / 113, 6);
    // Without grant times, a submit waits until its POST starts: 0–10 and 50–200, idle 0–10 and 110–200.
    expect(appIdleShare(timeline(clicks.map(({ grantMs: _, ...c }) => c), posts))).toBeCloseTo(100 / 160, 6);
  });

  it("a slot's turn and its parts", () => {
    expect(slotTurns(t)).toEqual([90]);
    // a's answer: its redirect reached the browser 5 ms after PHP, the page it named answered 15 ms later, the unload 20 ms after.
    expect(turnParts(clicks, posts)).toEqual({ send: [5, 20], answer: [40, 40], toBrowser: [5], redirect: [15], commit: [20], handover: [30], releaseToGrant: [10], grantToNav: [2, 20] });
  });
});
