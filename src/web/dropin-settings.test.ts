// Proves the drop-in reads its script tag's settings strictly (bad values are refused, not
// guessed), with failing open and a 10 s hold by default.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HOLD_MS, DEFAULT_QUEUE_WAIT_MS, DropinSettingsError, parseSettings } from './dropin-settings.js';

const SRC = 'http://127.0.0.1:8080/coord-dropin.js';

describe('drop-in settings', () => {
  it('defaults: capacity 1, queue mode, 10 s wait, fail open, 10 s hold, the script\'s own origin', () => {
    expect(parseSettings({}, SRC)).toEqual({ serverUrl: 'http://127.0.0.1:8080', capacity: 1, mode: 'queue', waitMs: DEFAULT_QUEUE_WAIT_MS, fail: 'open', holdMs: DEFAULT_HOLD_MS });
  });

  it('reads capacity, mode, wait and server; a throttle never waits', () => {
    expect(parseSettings({ capacity: '4', mode: 'queue', waitMs: '2500', fail: 'closed', holdMs: '5000', server: 'http://127.0.0.1:9000/x' }, SRC)).toEqual({ serverUrl: 'http://127.0.0.1:9000', capacity: 4, mode: 'queue', waitMs: 2500, fail: 'closed', holdMs: 5000 });
    expect(parseSettings({ mode: 'throttle', waitMs: '5000' }, SRC).waitMs).toBe(0);
  });

  it('refuses what it cannot trust', () => {
    for (const bad of [{ capacity: '0' }, { capacity: '257' }, { capacity: '2.5' }, { capacity: 'many' }, { mode: 'fifo' }, { waitMs: '60001' }, { waitMs: '-1' }, { fail: 'maybe' }, { holdMs: '999' }, { holdMs: '60001' }, { server: 'ftp://x' }, { server: 'not a url' }]) {
      expect(() => parseSettings(bad, SRC), JSON.stringify(bad)).toThrow(DropinSettingsError);
    }
  });
});
