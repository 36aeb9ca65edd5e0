// Proves storage's settings come from one definition each: options are filled and checked once when the service is built, and the replica count's range and default are the REPLICAS spec's at every boundary.
import { describe, expect, it } from 'vitest';
import { optionValue, parseOption } from '../../core/options.js';
import { check } from '../../core/codec.js';
import { DEFAULT_REPAIR_PERIOD_MS, DEFAULT_REQUEST_TIMEOUT_MS, REPLICAS, ReplicasSchema } from './constants.js';
import { storageSettings } from './service.js';

describe('storage settings', () => {
  it('fills the defaults and refuses values out of range, naming the setting', () => {
    expect(storageSettings({ quotaBytes: 1024 })).toEqual({ quotaBytes: 1024, repairPeriodMs: DEFAULT_REPAIR_PERIOD_MS, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, repair: true });
    expect(storageSettings({ quotaBytes: 0, requestTimeoutMs: 3_000, repair: false })).toMatchObject({ requestTimeoutMs: 3_000, repair: false });
    expect(() => storageSettings({ quotaBytes: -1 })).toThrow(/quotaBytes/);
    expect(() => storageSettings({ quotaBytes: 1, requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
    expect(() => storageSettings({ quotaBytes: 1, repairPeriodMs: 0.5 })).toThrow(/repairPeriodMs/);
  });

  it('checks the replica count with one range and one default wherever it enters', () => {
    expect(optionValue(REPLICAS, undefined, 'replicas')).toBe(REPLICAS.default);
    expect(parseOption(REPLICAS, String(REPLICAS.max), '--replicas')).toBe(REPLICAS.max);
    expect(() => optionValue(REPLICAS, REPLICAS.max + 1, 'replicas')).toThrow(`replicas must be a whole number from ${REPLICAS.min} to ${REPLICAS.max}, got ${REPLICAS.max + 1}`);
    expect(check(ReplicasSchema, REPLICAS.min, 'replicas').ok).toBe(true);
    expect(check(ReplicasSchema, REPLICAS.min - 1, 'replicas').ok).toBe(false);
    expect(check(ReplicasSchema, REPLICAS.max + 1, 'replicas').ok).toBe(false);
  });
});
