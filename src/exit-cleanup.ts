import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

import { labels } from './docker/client.ts';
import type { StartedDut } from './dut.ts';

/**
 * Releases a run from a synchronous `exit` handler. Vitest ends the process
 * with `process.exit()` on SIGINT and SIGTERM without calling teardown
 * hooks, and only synchronous work runs in an `exit` handler: QEMU gets
 * SIGKILL, the run's containers are removed with the Docker CLI, and the
 * socket folder is deleted. Returns a function that removes the handler.
 */
export function registerExitCleanup(current: () => StartedDut | undefined): () => void {
  const onExit = (): void => {
    const dut = current();
    if (!dut) {
      return;
    }
    const pid = dut.qemu.pid;
    if (pid !== undefined && dut.qemu.exit === undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // QEMU has exited already.
      }
    }
    const listed = spawnSync('docker', ['ps', '-aq', '--filter', `label=${labels.run}=${dut.info.runId}`], { encoding: 'utf8' });
    const ids = listed.stdout.split('\n').filter(Boolean);
    if (ids.length > 0) {
      spawnSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' });
    }
    rmSync(path.dirname(dut.info.qmpSocket), { recursive: true, force: true });
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}
