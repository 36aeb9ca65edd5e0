import { defineConfig } from 'vitest/config';

// Tests live beside the code they prove (src/**/*.test.ts). Simulation tests are CPU-bound, so
// the pool is sized for the 2-core CI machine.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
