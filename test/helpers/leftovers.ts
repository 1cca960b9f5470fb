import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** What a run may leave on the host, listed by run id. */
export interface Leftovers {
  containers: string[];
  taps: string[];
  qemuProcesses: string[];
  tempDirs: string[];
}

/** Lists the containers, taps, QEMU processes and temporary folders of run `runId` that exist now. */
export function findLeftovers(runId: string): Leftovers {
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', `label=alpy.run=${runId}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const taps = readdirSync('/sys/class/net').filter((name) => name.startsWith(`alpy${runId}`));
  const qemuProcesses = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`process=alpy-${runId}`);
      } catch {
        return false;
      }
    });
  const tempDirs = readdirSync(os.tmpdir()).filter((name) => name.startsWith(`alpy-${runId}-`));
  return { containers, taps, qemuProcesses, tempDirs };
}

/** Returns true when `path` exists. */
export function exists(path: string): boolean {
  return existsSync(path);
}
