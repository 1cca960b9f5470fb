import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { stateDir } from '../../src/runs/registry.ts';

/** What a run may leave on the host. */
export interface Leftovers {
  containers: string[];
  taps: string[];
  processes: string[];
  tempDirs: string[];
  records: string[];
}

function processesMatching(text: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

/**
 * Lists the containers, taps, QEMU and reaper processes, temporary folders
 * and run records (in `records`, default the state folder) of run `runId`.
 */
export function findLeftovers(runId: string, records = stateDir()): Leftovers {
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', `label=alpy.run=${runId}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const taps = readdirSync('/sys/class/net').filter((name) => name.startsWith(`alpy${runId}`));
  const processes = [...processesMatching(`process=alpy-${runId}`), ...processesMatching(`${runId}.run`)];
  const tempDirs = readdirSync(os.tmpdir()).filter((name) => name.startsWith(`alpy-${runId}-`));
  return { containers, taps, processes, tempDirs, records: readdirSync(records).filter((name) => name === `${runId}.run`) };
}

export const nothingLeft: Leftovers = { containers: [], taps: [], processes: [], tempDirs: [], records: [] };

/** Polls until run `runId` left nothing or `timeout` ms passed, and returns what is left. */
export async function waitForCleanHost(runId: string, timeout = 15_000, records = stateDir()): Promise<Leftovers> {
  const deadline = Date.now() + timeout;
  let left = findLeftovers(runId, records);
  while (Date.now() < deadline && JSON.stringify(left) !== JSON.stringify(nothingLeft)) {
    await sleep(250);
    left = findLeftovers(runId, records);
  }
  return left;
}

/** Returns true when `file` exists. */
export function exists(file: string): boolean {
  return existsSync(file);
}

/** Folder of test fixture projects. */
export const projectsDir = path.resolve(import.meta.dirname, '../projects');
