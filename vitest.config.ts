import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report lets CI print a plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: '.vitest/report.json' }]],
  },
});
