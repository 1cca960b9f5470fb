import { defineConfig } from 'vitest/config';

import { recordMark } from '../lib/marks.ts';
import { benchRabbitConfig } from '../lib/rabbit.ts';

// The project that bench/startup.ts times from `vitest run` to the first
// test body. The marks (config loaded, global setup loaded and entered,
// worker started, test file loaded) break the time down; each costs one
// appendFileSync.
recordMark('config-loaded');

export default defineConfig({
  test: {
    environment: 'alpy',
    // Vitest imports every global setup file at once, then calls their
    // setups in order, so global-setup-mark.ts's setup runs once alpy's module graph is
    // loaded and before the boot.
    globalSetup: ['./global-setup-mark.ts', 'vitest-environment-alpy/global-setup'],
    setupFiles: ['./worker-mark.ts'],
    environmentOptions: { alpy: benchRabbitConfig(2) },
    include: ['*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
