import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough } from 'node:stream';

import type Docker from 'dockerode';

import { AlpyError, DockerError, lastLines, TimeoutError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { timedOut, withTimeout } from '../timeout.ts';
import { demuxBuffer, type Output } from './streams.ts';

const log = createLogger('docker');

/** Result of a command run with `AppContainer.exec`. */
export interface ExecResult extends Output {
  command: string[];
  exitCode: number;
  /** Milliseconds from start to exit. */
  duration: number;
}

/** A command exited with a non-zero code; `result` contains its output. */
export class ExecError extends AlpyError {
  override name = 'ExecError';

  constructor(
    readonly container: string,
    readonly result: ExecResult,
  ) {
    super(
      `Command ${JSON.stringify(result.command)} in container ${container} exited with code ${result.exitCode}${exitHint(result.exitCode)}.\n` +
        `stdout:\n${lastLines(result.stdout)}\nstderr:\n${lastLines(result.stderr)}`,
    );
  }
}

/** Explains the exit codes a shell and Docker give when a command could not run at all. */
function exitHint(exitCode: number): string {
  if (exitCode === 127) {
    return ' (command not found in the image)';
  }
  if (exitCode === 126) {
    return ' (command found but not executable, or Docker could not start it)';
  }
  return '';
}

/** Options of `AppContainer.exec`. */
export interface ExecOptions {
  /** Environment variables, `NAME=value`. */
  env?: string[];
  /** User to run as. */
  user?: string;
  /** Working directory. */
  workdir?: string;
  /** Time limit in milliseconds. @default 60000 */
  timeout?: number;
}

/** Turns a command given as a string into `sh -c` arguments; arrays are used as they are. */
export function toArgv(command: string | string[]): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : command;
}

/**
 * An application container on a link: it shares the network namespace of
 * the link's node container, so its `eth0` is the link to the DUT.
 */
export class AppContainer {
  private removed = false;

  constructor(
    private readonly docker: Docker,
    readonly id: string,
    readonly name: string,
    readonly image: string,
    readonly link: number,
    /** The command the container runs, for messages; undefined for the image's default. */
    readonly command?: string[],
  ) {}

  private get container(): Docker.Container {
    return this.docker.getContainer(this.id);
  }

  /** Runs `command` in the container and returns its exit code and output; a non-zero exit code is not an error. */
  async exec(command: string | string[], options: ExecOptions = {}): Promise<ExecResult> {
    const argv = toArgv(command);
    const started = Date.now();
    const exec = await this.container.exec({
      Cmd: argv,
      AttachStdout: true,
      AttachStderr: true,
      Env: options.env,
      User: options.user,
      WorkingDir: options.workdir,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const stdout = collect();
    const stderr = collect();
    this.docker.modem.demuxStream(stream, stdout.stream, stderr.stream);
    const timeout = options.timeout ?? 60_000;
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    if ((await withTimeout(ended, timeout)) === timedOut) {
      stream.destroy();
      throw new TimeoutError(`Command ${JSON.stringify(argv)} in container ${this.name} did not finish within ${timeout} ms`);
    }
    const { ExitCode } = await exec.inspect();
    const result = { command: argv, exitCode: ExitCode ?? -1, stdout: stdout.text(), stderr: stderr.text(), duration: Date.now() - started };
    log.debug(`exec in ${this.name}: ${JSON.stringify(argv)} exited with ${result.exitCode}`);
    return result;
  }

  /** Like `exec`, but throws `ExecError` with the output when the exit code is not 0. */
  async execOk(command: string | string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(command, options);
    if (result.exitCode !== 0) {
      throw new ExecError(this.name, result);
    }
    return result;
  }

  /** Output of the container's main process so far. */
  async logs(): Promise<Output> {
    const buffer = (await this.container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return demuxBuffer(buffer);
  }

  /** Waits until the main process exits and returns its exit code. */
  async wait(options: { timeout?: number } = {}): Promise<number> {
    const timeout = options.timeout ?? 60_000;
    const result = await withTimeout(this.container.wait() as Promise<{ StatusCode: number }>, timeout);
    if (result === timedOut) {
      const { stdout, stderr } = await this.logs();
      throw new TimeoutError(
        `Container ${this.name} (${this.image}) did not exit within ${timeout} ms. Last output:\n${lastLines(stdout + stderr)}`,
      );
    }
    return result.StatusCode;
  }

  /** Waits for the main process to exit with code 0 and returns its output; otherwise throws with the output. */
  async waitOk(options: { timeout?: number } = {}): Promise<Output> {
    const exitCode = await this.wait(options);
    const output = await this.logs();
    if (exitCode !== 0) {
      throw new ExecError(this.name, { command: this.command ?? ['(image default)'], exitCode, ...output, duration: 0 });
    }
    return output;
  }

  /**
   * Waits until the container's output (stdout or stderr) matches `pattern`.
   * Fails at once, with the output, when the container exits first.
   */
  async waitForOutput(pattern: string | RegExp, options: { timeout?: number } = {}): Promise<string> {
    const timeout = options.timeout ?? 30_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      const { stdout, stderr } = await this.logs();
      const text = stdout + stderr;
      if (typeof pattern === 'string' && text.includes(pattern)) {
        return pattern;
      }
      const match = typeof pattern === 'string' ? undefined : pattern.exec(text)?.[0];
      if (match !== undefined) {
        return match;
      }
      const state = (await this.container.inspect()).State;
      if (!state.Running) {
        throw new DockerError(
          `Container ${this.name} (${this.image}) exited with code ${state.ExitCode} before its output matched ${String(pattern)}. Output:\n${lastLines(text)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new TimeoutError(`Output of container ${this.name} did not match ${String(pattern)} within ${timeout} ms. Output:\n${lastLines(text)}`);
      }
      await sleep(100);
    }
  }

  /** True while the main process runs. */
  async isRunning(): Promise<boolean> {
    return (await this.container.inspect()).State.Running;
  }

  /** Stops the container: SIGTERM, then SIGKILL after `timeout` seconds. */
  async stop(options: { timeout?: number } = {}): Promise<void> {
    try {
      await this.container.stop({ t: options.timeout ?? 5 });
    } catch (error) {
      // 304: already stopped.
      if ((error as { statusCode?: number }).statusCode !== 304) {
        throw error;
      }
    }
  }

  /** Removes the container, stopping it first if needed. Safe to call twice. */
  async remove(): Promise<void> {
    if (this.removed) {
      return;
    }
    this.removed = true;
    try {
      await this.container.remove({ force: true, v: true });
      log.debug(`removed app container ${this.name}`);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) {
        throw error;
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
