import { readFileSync } from 'node:fs';

import { defineConfig } from 'vitest/config';

// Rabbit is built by build.sh into out/.
const cmdline = readFileSync(new URL('out/cmdline', import.meta.url), 'utf8').trim();

export default defineConfig({
  test: {
    environment: 'alpy',
    // Boots Rabbit once for the whole run; see the README for why this line is needed.
    globalSetup: ['vitest-environment-alpy/global-setup'],
    environmentOptions: {
      alpy: {
        name: 'rabbit',
        kernel: 'out/vmlinuz',
        initrd: 'out/initrd.img',
        append: cmdline,
        disk: 'out/rootfs.img',
        links: 3,
        memory: 256,
        boot: { expect: 'rabbit login: ', timeout: 120_000 },
      },
    },
    include: ['**/*.test.ts'],
    // Test files share one Rabbit and its console, so they run one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
