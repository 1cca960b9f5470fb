import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConsoleClosedError } from '../../src/console/console.ts';
import { login } from '../../src/console/login.ts';
import { ExecError } from '../../src/docker/app-container.ts';
import { newRunId, startDut, type StartedDut } from '../../src/dut.ts';
import { ConfigError, DockerError, PrerequisiteError, QemuExitedError, TimeoutError } from '../../src/errors.ts';
import { QmpClosedError } from '../../src/qmp/client.ts';
import { DutSession, LinkIndexError } from '../../src/session.ts';
import { findLeftovers, nothingLeft, waitForCleanHost } from '../helpers/leftovers.ts';
import { rabbitConfig } from '../helpers/rabbit.ts';

/** Starts a DUT that must fail with `expected`, then checks that the run left nothing. */
async function expectBootFailure(config: unknown, expected: RegExp, errorClass: new (...args: never[]) => Error): Promise<Error> {
  const runId = newRunId();
  const failure = startDut(config, { runId });
  await expect(failure).rejects.toThrow(errorClass);
  const error = (await failure.catch((caught: unknown) => caught)) as Error;
  expect(error.message).toMatch(expected);
  expect(await waitForCleanHost(runId)).toEqual(nothingLeft);
  return error;
}

describe('bad input at start', () => {
  it('missing kernel', async () => {
    await expectBootFailure(rabbitConfig({ kernel: '/nonexistent/vmlinuz' }), /kernel: \/nonexistent\/vmlinuz does not exist; build it or fix the path/, ConfigError);
  });

  it('invalid QEMU argument', async () => {
    await expectBootFailure(rabbitConfig({ qemuArgs: ['-no-such-option'] }), /QEMU exited during start[\s\S]*invalid option[\s\S]*-no-such-option/, QemuExitedError);
  });

  it('QEMU device that QEMU rejects after creating its sockets', async () => {
    await expectBootFailure(
      rabbitConfig({ qemuArgs: ['-device', 'e1000,netdev=no-such-netdev'] }),
      /QEMU exited during start \(exit code 1\)[\s\S]*no-such-netdev/,
      QemuExitedError,
    );
  });

  it('no QEMU binary', async () => {
    await expectBootFailure(rabbitConfig({ qemu: 'qemu-system-nope' }), /qemu-system-nope not found on PATH; install qemu-system-x86/, PrerequisiteError);
  });

  it('no Docker daemon', async () => {
    const runId = newRunId();
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await expect(startDut(rabbitConfig(), { runId })).rejects.toThrow(
        /Cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker.sock \(ENOENT\): no Docker daemon responds there/,
      );
    } finally {
      if (saved === undefined) {
        delete process.env.DOCKER_HOST;
      } else {
        process.env.DOCKER_HOST = saved;
      }
    }
    expect(await waitForCleanHost(runId)).toEqual(nothingLeft);
  });

  it('node image that does not exist', async () => {
    await expectBootFailure(rabbitConfig({ nodeImage: 'alpy-no-such-node:1' }), /Node image alpy-no-such-node:1 \(nodeImage in the alpy config\) not found locally/, DockerError);
  });

  it('tap name already on the host', async () => {
    const runId = newRunId();
    const tap = `alpy${runId}t1`;
    execFileSync('ip', ['tuntap', 'add', 'mode', 'tap', 'name', tap]);
    try {
      const failure = startDut(rabbitConfig({ links: 2 }), { runId });
      await expect(failure).rejects.toThrow(`Tap ${tap} for link 1 already exists on the host`);
      expect(findLeftovers(runId)).toEqual({ ...nothingLeft, taps: [tap] });
    } finally {
      execFileSync('ip', ['link', 'delete', tap]);
    }
  });

  it('DUT that never reaches its prompt', async () => {
    const error = await expectBootFailure(
      rabbitConfig({ boot: { expect: 'never printed', timeout: 4000 } }),
      /Timed out after 4000 ms waiting on rabbit console for "never printed". Last console lines:\n {4}\| /,
      TimeoutError,
    );
    expect(error.message.split('\n').length).toBeGreaterThan(3);
  });

  it('unwritable output folder', async () => {
    await expectBootFailure(rabbitConfig({ outputDir: '/etc/hostname/alpy-output' }), /outputDir \/etc\/hostname\/alpy-output cannot be created or written \(ENOTDIR\); choose a writable folder/, PrerequisiteError);
  });

  it('run id that is not 6 hex digits', async () => {
    await expect(startDut(rabbitConfig(), { runId: 'run-1' })).rejects.toThrow('runId: expected 6 lower-case hex digits, got "run-1"');
  });
});

describe('faults on a booted DUT', () => {
  let dut: StartedDut;
  let session: DutSession;

  beforeAll(async () => {
    dut = await startDut(rabbitConfig({ links: 2 }));
    session = await DutSession.connect(dut.info);
  });

  afterAll(async () => {
    session?.close();
    const runId = dut?.info.runId;
    await dut?.stop();
    if (runId) {
      expect(await waitForCleanHost(runId)).toEqual(nothingLeft);
    }
  });

  it('image that does not exist locally', async () => {
    await expect(session.link(0).run('alpy-no-such-image:1', 'true')).rejects.toThrow(
      'Docker image alpy-no-such-image:1 not found locally. alpy never pulls images',
    );
  });

  it('command that is not in the image', async () => {
    const failure = session.link(0).run('rabbit-tools:latest', ['no-such-command', '--flag']);
    await expect(failure).rejects.toThrow(DockerError);
    await expect(failure).rejects.toThrow('The command ["no-such-command","--flag"] does not exist in image rabbit-tools:latest');
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=alpy.run=${dut.info.runId}`, '--filter', 'label=alpy.role=app'], {
      encoding: 'utf8',
    });
    expect(left.trim()).toBe('');
  });

  it('app container that exits non-zero', async () => {
    const app = await session.link(0).run('rabbit-tools:latest', 'echo partial output; echo oops >&2; exit 3');
    try {
      const failure = app.waitOk();
      await expect(failure).rejects.toThrow(ExecError);
      await expect(failure).rejects.toThrow(/exited with code 3[\s\S]*partial output[\s\S]*oops/);
      const exec = await app.exec('exit 4').catch((error: Error) => error);
      // The container has exited, so exec fails with Docker's message.
      expect(String(exec)).toMatch(/is not running|exited|409/);
    } finally {
      await app.remove();
    }
  });

  it('link index out of range', () => {
    expect(() => session.link(2)).toThrow(LinkIndexError);
    expect(() => session.link(2)).toThrow('Link 2 does not exist: rabbit has 2 links (0 to 1). Raise links in the alpy config to add more');
    expect(() => session.link(-1)).toThrow(LinkIndexError);
  });

  it('DUT that powers itself off', async () => {
    const shell = await login(session.console, { user: 'root', password: 'rabbit', prompt: 'rabbit# ' });
    const shutdown = session.qmp.waitForEvent('SHUTDOWN', { timeout: 60_000 });
    await session.console.sendLine('poweroff');
    const event = await shutdown;
    expect(event.data?.guest).toBe(true);
    await dut.qemu.exited;
    // Everything that waits on the DUT fails at once instead of hanging.
    const started = Date.now();
    await expect(session.console.expect('never', { timeout: 30_000 })).rejects.toThrow(ConsoleClosedError);
    await expect(session.qmp.execute('query-status', undefined, { timeout: 30_000 })).rejects.toThrow(QmpClosedError);
    await expect(shell.run('true', { timeout: 30_000 })).rejects.toThrow(ConsoleClosedError);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('QEMU that dies mid-test', () => {
  it('fails waiting calls within seconds and still cleans up', async () => {
    const dut = await startDut(rabbitConfig({ links: 1 }));
    const session = await DutSession.connect(dut.info);
    try {
      const waiting = session.console.expect('never printed', { timeout: 60_000 });
      const command = session.qmp.waitForEvent('NEVER', { timeout: 60_000 });
      // Both rejections are awaited below, one after the other; these handlers
      // keep the second from counting as unhandled meanwhile.
      waiting.catch(() => undefined);
      command.catch(() => undefined);
      const started = Date.now();
      process.kill(dut.qemu.pid!, 'SIGKILL');
      await expect(waiting).rejects.toThrow(ConsoleClosedError);
      await expect(waiting).rejects.toThrow(/closed while waiting for "never printed" \(did QEMU exit\?\)/);
      await expect(command).rejects.toThrow(QmpClosedError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      session.close();
      await dut.stop();
    }
    expect(await waitForCleanHost(dut.info.runId)).toEqual(nothingLeft);
  });
});

describe('unavailable accelerator', () => {
  it('names KVM and the fix when QEMU cannot use it', async () => {
    // /dev/null in place of /dev/kvm, in a mount namespace of the child only.
    const script = [
      'mount --bind /dev/null /dev/kvm',
      `exec ${process.execPath} ${path.resolve(import.meta.dirname, '../../node_modules/vitest/vitest.mjs')} run --root ${path.resolve(import.meta.dirname, '../projects/lifecycle')}`,
    ].join(' && ');
    let output = '';
    try {
      execFileSync('unshare', ['--mount', 'sh', '-c', script], {
        env: { ...process.env, ALPY_ACCEL: 'kvm', CI: 'true', FORCE_COLOR: '0' },
        encoding: 'utf8',
        stdio: 'pipe',
      });
      throw new Error('the run passed under a fake /dev/kvm');
    } catch (error) {
      output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    }
    expect(output).toMatch(/accelerator kvm/);
    expect(output).toMatch(/QEMU exited during start. The accelerator is KVM: set accel: 'tcg' \(or ALPY_ACCEL=tcg\) where KVM is unusable/);
    expect(output).toMatch(/failed to initialize kvm|Could not access KVM/);
    const runId = /starting run ([0-9a-f]{6})/.exec(output)?.[1];
    expect(runId).toBeDefined();
    expect(await waitForCleanHost(runId!)).toEqual(nothingLeft);
  });
});
