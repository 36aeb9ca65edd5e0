// Proves the drop-in reads its script tag's settings strictly (bad values are refused, not
// guessed) and names a form's resource by its action's origin and path only.
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_WAIT_MS, DropinSettingsError, parseSettings, resourceOf } from './dropin-settings.js';

const SRC = 'http://127.0.0.1:8080/coord-dropin.js';

describe('drop-in settings', () => {
  it('defaults: capacity 1, queue mode, 10 s wait, the script\'s own origin', () => {
    expect(parseSettings({}, SRC)).toEqual({ serverUrl: 'http://127.0.0.1:8080', capacity: 1, mode: 'queue', waitMs: DEFAULT_QUEUE_WAIT_MS });
  });

  it('reads capacity, mode, wait and server; a throttle never waits', () => {
    expect(parseSettings({ capacity: '4', mode: 'queue', waitMs: '2500', server: 'http://127.0.0.1:9000/x' }, SRC)).toEqual({ serverUrl: 'http://127.0.0.1:9000', capacity: 4, mode: 'queue', waitMs: 2500 });
    expect(parseSettings({ mode: 'throttle', waitMs: '5000' }, SRC).waitMs).toBe(0);
  });

  it('refuses what it cannot trust', () => {
    for (const bad of [{ capacity: '0' }, { capacity: '257' }, { capacity: '2.5' }, { capacity: 'many' }, { mode: 'fifo' }, { waitMs: '60001' }, { waitMs: '-1' }, { server: 'ftp://x' }, { server: 'not a url' }]) {
      expect(() => parseSettings(bad, SRC), JSON.stringify(bad)).toThrow(DropinSettingsError);
    }
  });

  it('one resource per action path: the query does not matter, the path and origin do', () => {
    expect(resourceOf('http://a.test/post/x?page=2')).toBe(resourceOf('http://a.test/post/x'));
    expect(resourceOf('http://a.test/post/x')).not.toBe(resourceOf('http://a.test/post/y'));
    expect(resourceOf('http://a.test/post/x')).not.toBe(resourceOf('http://b.test/post/x'));
    expect(resourceOf('http://a.test/' + 'p'.repeat(5000)).length).toBeLessThanOrEqual(256);
  });
});
