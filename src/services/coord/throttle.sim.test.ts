// Throttle mode (refuse at once when full) over 100 seeds with owners crashing and partitions healing: never more holders than capacity, tokens never go back.
import { it } from 'vitest';
import { SWEEP_SEEDS, sweepSeeds } from './test-util/seed-sweep.js';

it(`throttle mode is safe over ${SWEEP_SEEDS} seeds`, () => sweepSeeds('throttle'));
