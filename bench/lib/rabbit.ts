import path from 'node:path';

import type { DutConfig } from '../../src/config.ts';
import { rabbitConfig } from '../../test/helpers/rabbit.ts';

/** Folder of the pcaps and console logs of benchmark runs. */
export const benchOutputDir = path.resolve(import.meta.dirname, '../../alpy-output/bench');

/** Image of the app containers, built by rabbit/build.sh: iproute2, ping, iperf3, curl, tcpdump, busybox. */
export const toolsImage = 'rabbit-tools:latest';

/** Rabbit as built by rabbit/build.sh, with `links` links and its output in `benchOutputDir`. */
export function benchRabbitConfig(links: number): DutConfig {
  return rabbitConfig({ links, outputDir: benchOutputDir });
}
