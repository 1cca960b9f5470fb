import type { TestProject } from 'vitest/node';

import { startDut, type StartedDut } from '../src/dut.ts';
import { createLogger } from '../src/log.ts';
import type { RunInfo } from '../src/run-info.ts';
import { registerExitCleanup } from '../src/exit-cleanup.ts';

declare module 'vitest' {
  interface ProvidedContext {
    /** How test workers reach the DUT booted by alpy's global setup. */
    alpy: RunInfo;
  }
}

/** Environment variable that tells workers the global setup ran; it holds the run id. */
export const runEnvVariable = 'ALPY_RUN';

const log = createLogger('vitest');
let dut: StartedDut | undefined;

/**
 * Boots the DUT described by `test.environmentOptions.alpy` once per Vitest
 * run, in the main process, and shares it with every test file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const options = project.config.environmentOptions?.alpy;
  const disarm = registerExitCleanup(() => dut);
  dut = await startDut(options, { root: project.config.root });
  project.provide('alpy', dut.info);
  process.env[runEnvVariable] = dut.info.runId;

  return async () => {
    const started = dut;
    dut = undefined;
    try {
      await started?.stop();
    } finally {
      disarm();
    }
    if (started) {
      log.info(`pcaps: ${started.info.links.map((link) => link.pcap).join(' ') || '(no links)'}`);
      log.info(`console log: ${started.info.consoleLog}`);
    }
  };
}
