import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // namespace-based tests (lab, replay) must not run side by side with each other's setup
    fileParallelism: true,
    pool: 'forks',
  },
});
