import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { DutConfig } from '../../src/config.ts';

const out = path.resolve(import.meta.dirname, '../../rabbit/out');

/** Rabbit as built by rabbit/build.sh, with `links` links; fails with the fix when it is not built. */
export function rabbitConfig(overrides: Partial<DutConfig> = {}): DutConfig {
  if (!existsSync(path.join(out, 'cmdline'))) {
    throw new Error(`Rabbit is not built in ${out}: run bash rabbit/build.sh`);
  }
  return {
    name: 'rabbit',
    kernel: path.join(out, 'vmlinuz'),
    initrd: path.join(out, 'initrd.img'),
    append: readFileSync(path.join(out, 'cmdline'), 'utf8').trim(),
    disk: path.join(out, 'rootfs.img'),
    links: 2,
    boot: { expect: 'rabbit login: ', timeout: 120_000 },
    outputDir: path.resolve(import.meta.dirname, '../../alpy-output/integration'),
    ...overrides,
  };
}
