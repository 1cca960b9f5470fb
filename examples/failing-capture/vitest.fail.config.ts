import { configDefaults, defineConfig } from 'vitest/config';

import base from './vitest.config.ts';

// The same DUT, running only the test that fails on purpose.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['failing/**/*.test.ts'], exclude: configDefaults.exclude },
});
