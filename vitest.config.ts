import { defineConfig } from 'vitest/config';

// `npm test`: everything that needs nothing but Node. Suites on real engines live under
// tests/infra and run with `npm run test:infra`.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'infra/**/*.test.ts', 'runtime/**/*.test.ts', 'functions/**/*.test.ts', 'realtime/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'tests/infra/**', 'tests/browser/**', '**/*.infra.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
