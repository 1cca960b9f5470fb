import type { Environment } from 'vitest/runtime';

import type { DutConfig } from '../src/config.ts';

declare module 'vitest/node' {
  interface EnvironmentOptions {
    /** The device under test that alpy boots for the run. */
    alpy?: DutConfig;
  }
}

/**
 * The `alpy` Vitest environment: a Node.js environment whose tests reach a
 * DUT booted by `vitest-environment-alpy/global-setup`. Vitest runs an
 * environment once per test file in a worker, so the once-per-run boot lives
 * in the global setup, and this checks that it ran.
 */
const environment: Environment = {
  name: 'alpy',
  viteEnvironment: 'ssr',
  setup() {
    if (!process.env.ALPY_RUN) {
      throw new Error(
        "The alpy environment needs alpy's global setup, which boots the DUT once per run. " +
          "Add globalSetup: ['vitest-environment-alpy/global-setup'] to the test options of your Vitest config",
      );
    }
    return { teardown() {} };
  },
};

export default environment;
