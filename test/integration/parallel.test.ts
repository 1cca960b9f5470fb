import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { runVitest } from '../helpers/child-vitest.ts';
import { findLeftovers, nothingLeft, projectsDir, waitForCleanHost } from '../helpers/leftovers.ts';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'alpy-parallel-test-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

it('two runs of one suite at once pass without touching each other', async () => {
  const barrier = path.join(scratch, 'barrier');
  mkdirSync(barrier);
  const output = path.join(scratch, 'output');
  // Same project, same addresses and the same output folder: only the run id differs.
  const env = { LIFECYCLE_MODE: 'parallel', LIFECYCLE_BARRIER: barrier, LIFECYCLE_PEERS: '2', LIFECYCLE_OUTPUT: output };
  const runs = [runVitest(path.join(projectsDir, 'lifecycle'), env), runVitest(path.join(projectsDir, 'lifecycle'), env)];

  const ids = await Promise.all(runs.map((run) => run.runId));
  expect(ids[0]).not.toBe(ids[1]);
  for (const [index, run] of runs.entries()) {
    expect(await run.exited, `run ${index}:\n${run.output()}`).toBe(0);
  }
  // Both reached the barrier, so their tests overlapped in time.
  expect(readdirSync(barrier).sort()).toEqual([...ids].sort());
  const runDirs = readdirSync(output);
  expect(runDirs).toHaveLength(2);
  for (const id of ids) {
    expect(runDirs.some((dir) => dir.endsWith(id)), `output folder of run ${id}`).toBe(true);
    expect(await waitForCleanHost(id)).toEqual(nothingLeft);
  }
  expect(findLeftovers(ids[0]!)).toEqual(nothingLeft);
});
