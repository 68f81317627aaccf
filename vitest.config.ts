import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Judged after the suite, on the calls it recorded (vitest.permissions.config.ts).
    exclude: ['test/permissions/**', 'node_modules/**'],
    setupFiles: ['test/support/env.ts'],
    globalSetup: ['test/support/package-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
