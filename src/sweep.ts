import type Docker from 'dockerode';

import { labels } from './docker/client.ts';
import { removeQuietly } from './docker/containers.ts';
import { createLogger } from './log.ts';

const log = createLogger('cleanup');

/** Returns true when process `pid` exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes containers left by runs whose owning process no longer exists,
 * such as a runner killed with SIGKILL. Returns the number removed.
 */
export async function sweepDeadRuns(docker: Docker): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [labels.run] } });
  const dead = containers.filter((info) => {
    const owner = Number(info.Labels[labels.ownerPid]);
    return Number.isInteger(owner) && owner > 0 && !processAlive(owner);
  });
  if (dead.length === 0) {
    return 0;
  }
  const runs = new Set(dead.map((info) => info.Labels[labels.run]));
  log.warn(`removing ${dead.length} containers left by runs whose process died: ${[...runs].join(', ')}`);
  await Promise.all(dead.map((info) => removeQuietly(docker, info.Id, info.Names[0] ?? info.Id)));
  return dead.length;
}
