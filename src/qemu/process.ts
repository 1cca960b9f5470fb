import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { execa, type ResultPromise } from 'execa';

import { PrerequisiteError, QemuExitedError, lastLines } from '../errors.ts';
import { withTimeout } from '../timeout.ts';
import { createLogger } from '../log.ts';
import type { QmpClient } from '../qmp/client.ts';

const log = createLogger('qemu');
const stderrLimit = 64 * 1024;

/** Exit status of a QEMU process. */
export interface QemuExit {
  exitCode: number | undefined;
  signal: string | undefined;
}

/** Looks `binary` up on PATH, or checks it when it contains a slash; throws a `PrerequisiteError` naming the fix. */
export async function findBinary(binary: string, hint: string): Promise<string> {
  const candidates = binary.includes('/')
    ? [path.resolve(binary)]
    : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => path.join(dir, binary));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder; try the next one.
    }
  }
  throw new PrerequisiteError(`${binary} not found ${binary.includes('/') ? 'or not executable' : 'on PATH'}; ${hint}`);
}

/** A running QEMU process; `stop` ends it and is safe to call twice. */
export class QemuProcess {
  private stderr = '';
  private exitInfo: QemuExit | undefined;
  readonly exited: Promise<QemuExit>;

  private constructor(
    private readonly subprocess: ResultPromise,
    readonly binary: string,
    readonly args: string[],
  ) {
    subprocess.stderr?.setEncoding('utf8');
    let partialLine = '';
    subprocess.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-stderrLimit);
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines.filter((text) => text.trim() !== '')) {
        log.warn(`stderr: ${line}`);
      }
    });
    subprocess.stderr?.on('end', () => {
      if (partialLine.trim() !== '') {
        log.warn(`stderr: ${partialLine}`);
      }
    });
    this.exited = subprocess.then((result) => {
      this.exitInfo = { exitCode: result.exitCode, signal: result.signal };
      const how = result.signal ? `signal ${result.signal}` : `exit code ${result.exitCode}`;
      log.info(`QEMU (pid ${this.pid}) exited with ${how}`);
      return this.exitInfo;
    });
  }

  /** Spawns QEMU, which starts paused: the QMP command `cont` runs its CPU. */
  static spawn(binary: string, args: string[]): QemuProcess {
    log.debug(`starting ${binary} ${args.join(' ')}`);
    const subprocess = execa(binary, args, {
      reject: false,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      buffer: false,
      // Kills QEMU when the Node.js process exits, also through process.exit().
      cleanup: true,
    });
    return new QemuProcess(subprocess, binary, args);
  }

  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  /** The exit status, once QEMU has exited. */
  get exit(): QemuExit | undefined {
    return this.exitInfo;
  }

  /** Standard error output so far, for error messages. */
  get errorOutput(): string {
    return this.stderr;
  }

  /**
   * Waits until `file` exists, which QEMU creates for its sockets during start.
   * Throws `QemuExitedError` with QEMU's error output if QEMU exits first.
   */
  async waitForFile(file: string, timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (this.exitInfo) {
        throw this.exitError('QEMU exited during start');
      }
      try {
        await access(file);
        return;
      } catch {
        await Promise.race([sleep(20), this.exited]);
      }
    }
    throw new QemuExitedError(`QEMU did not create ${file} within ${timeout} ms`, undefined, undefined, this.stderr);
  }

  /** Builds the error for an exited QEMU, with its status and last error output. */
  exitError(what: string): QemuExitedError {
    const status = this.exitInfo?.signal ? `signal ${this.exitInfo.signal}` : `exit code ${this.exitInfo?.exitCode}`;
    return new QemuExitedError(
      `${what} (${status}). QEMU's error output:\n${lastLines(this.stderr)}\nCommand: ${this.binary} ${this.args.join(' ')}`,
      this.exitInfo?.exitCode,
      this.exitInfo?.signal,
      this.stderr,
    );
  }

  /**
   * Ends QEMU: the QMP `quit` command when `qmp` is open, then SIGTERM, then
   * SIGKILL, waiting `timeout` ms after each. Resolves with how it exited.
   */
  async stop(qmp?: QmpClient, timeout = 5000): Promise<QemuExit> {
    if (this.exitInfo) {
      return this.exitInfo;
    }
    if (qmp && !qmp.closed) {
      log.debug(`asking QEMU (pid ${this.pid}) to quit over QMP`);
      await qmp.execute('quit', undefined, { timeout }).catch((error: Error) => log.debug(`quit: ${error.message}`));
      if (await this.waitForExit(timeout)) {
        const exit = this.exitInfo!;
        if (exit.exitCode !== 0) {
          log.warn(`QEMU (pid ${this.pid}) exited with ${exit.signal ?? `code ${exit.exitCode}`} after quit; its error output:\n${lastLines(this.stderr)}`);
        }
        return exit;
      }
    }
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      log.warn(`QEMU (pid ${this.pid}) still running; sending ${signal}`);
      this.subprocess.kill(signal);
      if (await this.waitForExit(timeout)) {
        return this.exitInfo!;
      }
    }
    throw new QemuExitedError(`QEMU (pid ${this.pid}) did not exit after SIGKILL`, undefined, undefined, this.stderr);
  }

  private async waitForExit(timeout: number): Promise<boolean> {
    await withTimeout(this.exited, timeout);
    return this.exitInfo !== undefined;
  }
}
