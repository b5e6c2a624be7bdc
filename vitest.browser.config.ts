import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the console driven in Debian's Chromium (bash infra/browser/install.sh
// installs it). Saves screenshots into docs/images/.
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
