import { defineConfig } from 'vitest/config';

import { rabbitConfig } from '../../helpers/rabbit.ts';

// A project whose tests pass, fail, throw or hang on request (LIFECYCLE_MODE),
// run by the lifecycle tests as a child Vitest to check cleanup in each case.
export default defineConfig({
  test: {
    environment: 'alpy',
    globalSetup: ['vitest-environment-alpy/global-setup'],
    environmentOptions: { alpy: rabbitConfig({ links: 2, outputDir: process.env.LIFECYCLE_OUTPUT }) },
    include: ['*.test.ts'],
    testTimeout: 120_000,
  },
});
