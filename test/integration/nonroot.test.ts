import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { projectsDir } from '../helpers/leftovers.ts';
import { rabbitConfig } from '../helpers/rabbit.ts';

const tsx = path.resolve(import.meta.dirname, '../../node_modules/tsx/dist/cli.mjs');

afterAll(() => {
  rmSync('/tmp/alpy-output-nobody', { recursive: true, force: true });
  rmSync('/tmp/alpy-state-nobody', { recursive: true, force: true });
});

/** Runs startDut with `config` as the user nobody and returns what it printed. */
function startAsNobody(config: object): string {
  return execFileSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, tsx, path.join(projectsDir, 'nonroot/start.mts'), JSON.stringify(config)],
    { encoding: 'utf8', env: { ...process.env, HOME: '/tmp', ALPY_STATE_DIR: '/tmp/alpy-state-nobody' } },
  );
}

it('needs root for a DUT with links', () => {
  expect(startAsNobody(rabbitConfig({ links: 1 }))).toContain(
    'PrerequisiteError: alpy must run as root: it creates tap devices and moves them into container network namespaces',
  );
});

it('names the Docker socket permission and the fix', () => {
  const output = startAsNobody(rabbitConfig({ links: 0, outputDir: '/tmp/alpy-output-nobody' }));
  expect(output).toContain('PrerequisiteError: Cannot reach the Docker engine at /var/run/docker.sock (EACCES): permission denied on the socket: run as root or as a member of the docker group');
});
