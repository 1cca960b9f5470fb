import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';

import { removeQuietly } from '../../src/docker/containers.ts';

/** A Docker client whose container removal fails with the given status codes, then succeeds. */
function dockerFailing(...statusCodes: number[]): { docker: Docker; attempts: () => number } {
  let attempts = 0;
  const docker = {
    getContainer: () => ({
      remove: async () => {
        const code = statusCodes[attempts++];
        if (code !== undefined) {
          throw Object.assign(new Error(`HTTP code ${code}`), { statusCode: code });
        }
      },
    }),
  } as unknown as Docker;
  return { docker, attempts: () => attempts };
}

describe('removeQuietly', () => {
  it('retries a server error', async () => {
    const { docker, attempts } = dockerFailing(500, 500);
    await removeQuietly(docker, 'id', 'node0');
    expect(attempts()).toBe(3);
  });

  it('gives up after two retries without throwing', async () => {
    const { docker, attempts } = dockerFailing(500, 500, 500, 500);
    await removeQuietly(docker, 'id', 'node0');
    expect(attempts()).toBe(3);
  });

  it('treats a missing container as removed', async () => {
    const { docker, attempts } = dockerFailing(404);
    await removeQuietly(docker, 'id', 'node0');
    expect(attempts()).toBe(1);
  });

  it('does not retry a conflict', async () => {
    const { docker, attempts } = dockerFailing(409, 409);
    await removeQuietly(docker, 'id', 'node0');
    expect(attempts()).toBe(1);
  });
});
