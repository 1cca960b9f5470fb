import { defineConfig } from 'vitest/config';

import { recordMark } from '../lib/marks.ts';

// Vitest alone, without alpy: bench/startup.ts times this project from
// `vitest run` to the first test body as the floor that Vitest itself sets.
// It has the same marks as bench/first-test.
recordMark('config-loaded');

export default defineConfig({
  test: {
    environment: 'node',
    setupFiles: ['../first-test/worker-mark.ts'],
    include: ['*.test.ts'],
  },
});
