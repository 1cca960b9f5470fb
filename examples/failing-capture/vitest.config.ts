import { configDefaults, defineConfig } from 'vitest/config';

// minidut boots with forwarding off; the tests turn it on over the console.
export default defineConfig({
  test: {
    environment: 'alpy',
    globalSetup: ['vitest-environment-alpy/global-setup'],
    environmentOptions: {
      alpy: {
        name: 'minidut',
        kernel: '../own-dut/out/vmlinuz',
        initrd: '../own-dut/out/initrd.img',
        append: 'console=ttyS0 minidut.addr=198.18.0.1/24,198.18.1.1/24',
        links: 2,
        boot: { expect: 'minidut: ready', timeout: 60_000 },
      },
    },
    // The failing test runs only with vitest.fail.config.ts (npm run test:fail).
    exclude: [...configDefaults.exclude, 'failing/**'],
    testTimeout: 30_000,
  },
});
