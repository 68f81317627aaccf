import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/integration/**/*.test.ts'],
    // These read no table (the template checks and the endpoints' own protocol tests), or test
    // what osls packages rather than DynamoDB (bundles: one GetItem through each packaged SDK).
    exclude: [
      'test/integration/bundles.test.ts',
      'test/integration/serverless-package.test.ts',
      'test/integration/notify-package.test.ts',
      'test/integration/detect-package.test.ts',
      'test/integration/api-package.test.ts',
      'test/integration/template.test.ts',
      'test/integration/template-lint.test.ts',
      'test/integration/template-policies.test.ts',
      'test/integration/template-accounts.test.ts',
      'test/integration/local-endpoints.test.ts',
      'test/integration/redrive-queues.test.ts',
      'test/integration/dashboard-proxy.test.ts',
    ],
    globalSetup: ['test/conformance/global-setup.ts'],
  },
});
