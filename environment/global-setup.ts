import type { Reporter, TestProject } from 'vitest/node';

import { startDut } from '../src/dut.ts';
import { EvidenceReporter } from '../src/evidence/reporter.ts';
import { createLogger } from '../src/log.ts';
import type { RunInfo } from '../src/run-info.ts';

declare module 'vitest' {
  interface ProvidedContext {
    /** Connection details of the DUT booted by alpy's global setup, for test workers. */
    alpy: RunInfo;
  }
}

/** Environment variable that shows workers the global setup ran; its value is the run id. */
export const runEnvVariable = 'ALPY_RUN';

const log = createLogger('vitest');

/**
 * Adds the reporter that lists the evidence of failed tests to the running
 * Vitest, so that users need no reporter line in their config.
 */
function addEvidenceReporter(project: TestProject): void {
  // NOTE: `reporters` is not in Vitest 4.1's public types, but Vitest calls
  // every reporter in that array for each event.
  const reporters = (project.vitest as unknown as { reporters?: Reporter[] }).reporters;
  if (reporters && !reporters.some((reporter) => reporter instanceof EvidenceReporter)) {
    reporters.push(new EvidenceReporter());
  }
}

/**
 * Boots the DUT described by `test.environmentOptions.alpy` once per Vitest
 * run, in the main process, and shares it with every test file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const options = project.config.environmentOptions?.alpy;
  const dut = await startDut(options, { root: project.config.root });
  project.provide('alpy', dut.info);
  process.env[runEnvVariable] = dut.info.runId;
  addEvidenceReporter(project);

  return async () => {
    await dut.stop();
    log.info(`pcaps: ${dut.info.links.map((link) => link.pcap).join(' ') || '(no links)'}`);
    log.info(`console log: ${dut.info.consoleLog}`);
  };
}
