import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** After the suite: judges the roles by the calls the suite's gates recorded. */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/permissions/**/*.test.ts'],
    exclude: ['node_modules/**'],
    globalSetup: [],
  },
});
