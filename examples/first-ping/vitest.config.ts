import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'alpy',
    globalSetup: ['vitest-environment-alpy/global-setup'],
    environmentOptions: {
      alpy: {
        kernel: '../own-dut/out/vmlinuz',
        initrd: '../own-dut/out/initrd.img',
        append: 'console=ttyS0 minidut.addr=198.18.0.1/24',
        links: 1,
        boot: { expect: 'minidut: ready' },
      },
    },
  },
});
