import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'docs/examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Real PostgreSQL servers start in a few seconds; PgBouncer suites share one server per file.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // In CI the results also go to a file that .ci/run reads to refuse skipped tests.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]] : ['default'],
    maxWorkers: 2,
  },
});
