import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, describe, expect, it } from 'vitest';

import { runVitest } from '../helpers/child-vitest.ts';
import { findLeftovers, nothingLeft, projectsDir, waitForCleanHost } from '../helpers/leftovers.ts';

const project = path.join(projectsDir, 'lifecycle');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'alpy-lifecycle-test-'));
// The child runs, and the leftover checks here, use a temp folder of their
// own: a Vitest killed by a signal leaves its own temp folder behind, which
// goes away with this one.
const savedTmpdir = process.env.TMPDIR;
process.env.TMPDIR = path.join(scratch, 'tmp');
mkdirSync(process.env.TMPDIR);

afterAll(() => {
  if (savedTmpdir === undefined) {
    delete process.env.TMPDIR;
  } else {
    process.env.TMPDIR = savedTmpdir;
  }
  rmSync(scratch, { recursive: true, force: true });
});

async function waitForFile(file: string, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!existsSync(file)) {
    if (Date.now() > deadline) {
      throw new Error(`${file} did not appear within ${timeout} ms`);
    }
    await sleep(100);
  }
}

/** Starts the lifecycle project in `mode` and returns the run once its test is inside the hang. */
async function startHangingRun(name: string, env: Record<string, string> = {}) {
  const marker = path.join(scratch, `${name}.marker`);
  const run = runVitest(project, { LIFECYCLE_MODE: 'hang', LIFECYCLE_MARKER: marker, LIFECYCLE_OUTPUT: path.join(scratch, name), ...env });
  await Promise.race([waitForFile(marker, 120_000), run.exited.then((code) => Promise.reject(new Error(`run exited with ${code}:\n${run.output()}`)))]);
  const runId = await run.runId;
  // The run owns containers, a QEMU process and its sockets at this point.
  const left = findLeftovers(runId);
  expect(left.containers.length, 'containers of the hanging run').toBeGreaterThanOrEqual(4);
  expect(left.processes.length, 'QEMU and reaper of the hanging run').toBeGreaterThanOrEqual(2);
  return { run, runId };
}

describe('cleanup after each way a run ends', () => {
  it.each([
    ['pass', 0],
    ['fail', 1],
    ['throw', 1],
  ])('%s leaves nothing behind', async (mode, expectedCode) => {
    const run = runVitest(project, { LIFECYCLE_MODE: mode, LIFECYCLE_OUTPUT: path.join(scratch, mode) });
    const code = await run.exited;
    expect(code, run.output()).toBe(expectedCode);
    expect(await waitForCleanHost(await run.runId)).toEqual(nothingLeft);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s to vitest leaves nothing behind', async (signal) => {
    const { run, runId } = await startHangingRun(signal);
    run.child.kill(signal);
    await run.exited;
    expect(run.output()).toContain(`alpy: process exiting; releasing run ${runId}`);
    expect(await waitForCleanHost(runId, 20_000)).toEqual(nothingLeft);
  });

  it('SIGKILL to vitest is cleaned up by the reaper', async () => {
    const { run, runId } = await startHangingRun('sigkill');
    run.child.kill('SIGKILL');
    await run.exited;
    expect(await waitForCleanHost(runId, 30_000)).toEqual(nothingLeft);
  });

  it('SIGKILL of vitest and its reaper is cleaned up by the next run', async () => {
    // A state folder of its own keeps other runs on this host from sweeping
    // the killed run first; they would still remove its containers by label.
    const stateDir = path.join(scratch, 'state');
    const { run, runId } = await startHangingRun('sigkill-reaper', { ALPY_STATE_DIR: stateDir });
    const reaper = findLeftovers(runId, stateDir).processes.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${runId}.run`));
    expect(reaper, 'reaper process of the run').toBeDefined();
    process.kill(Number(reaper), 'SIGKILL');
    run.child.kill('SIGKILL');
    await run.exited;
    await sleep(2000);
    const left = findLeftovers(runId, stateDir);
    expect(left.processes.length, 'QEMU left before the next run').toBe(1);
    expect(left.records, 'run record left before the next run').toEqual([`${runId}.run`]);

    const next = runVitest(project, { LIFECYCLE_MODE: 'pass', LIFECYCLE_OUTPUT: path.join(scratch, 'next'), ALPY_STATE_DIR: stateDir });
    expect(await next.exited, next.output()).toBe(0);
    expect(next.output()).toContain(`releasing run ${runId}`);
    expect(await waitForCleanHost(runId, 15_000, stateDir)).toEqual(nothingLeft);
    expect(await waitForCleanHost(await next.runId, 15_000, stateDir)).toEqual(nothingLeft);
  });
});
