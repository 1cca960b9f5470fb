import { defineConfig } from 'vitest/config';

// minidut is built by build.sh into out/; `npm test` runs build.sh first.
export default defineConfig({
  test: {
    environment: 'alpy',
    globalSetup: ['vitest-environment-alpy/global-setup'],
    environmentOptions: {
      alpy: {
        name: 'minidut',
        kernel: 'out/vmlinuz',
        initrd: 'out/initrd.img',
        // The kernel parameters that minidut's /init reads give eth0 and
        // eth1 their addresses and turn on IPv4 forwarding.
        append: 'console=ttyS0 minidut.addr=198.18.0.1/24,198.18.1.1/24 minidut.forward=1',
        links: 2,
        memory: 128,
        boot: { expect: 'minidut: ready', timeout: 60_000 },
      },
    },
    testTimeout: 30_000,
  },
});
