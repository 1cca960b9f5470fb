import { randomBytes } from 'node:crypto';

import { AlpyError, lastLines } from '../errors.ts';
import type { Console, Pattern } from './console.ts';

/** Maximum line length a Linux tty in canonical mode accepts: its line buffer has 4096 bytes with the newline. */
const maxLineBytes = 4095;

/** Result of a command run on the DUT's shell. */
export interface ShellResult {
  command: string;
  exitCode: number;
  /** Output of the command, stdout and stderr together, with CRLF turned into LF. */
  output: string;
}

/** A shell command on the DUT exited with a non-zero code. */
export class ShellCommandError extends AlpyError {
  override name = 'ShellCommandError';

  constructor(readonly result: ShellResult) {
    super(`Command on the DUT exited with code ${result.exitCode}: ${result.command}\nOutput:\n${lastLines(result.output, 20)}`);
  }
}

/** Options of a `Shell`. */
export interface ShellOptions {
  /** The shell prompt, expected after each command. @default /[#$] $/ */
  prompt?: Pattern;
  /** Time limit of a command in milliseconds. @default 60000 */
  timeout?: number;
}

/**
 * A POSIX shell on the DUT's console, logged in already. Commands are framed
 * by random markers so that their output and exit code are read exactly,
 * whatever the terminal echoes.
 */
export class Shell {
  readonly prompt: Pattern;
  readonly timeout: number;

  constructor(
    readonly console: Console,
    options: ShellOptions = {},
  ) {
    this.prompt = options.prompt ?? /[#$] $/;
    this.timeout = options.timeout ?? 60_000;
  }

  /**
   * Runs `command` in the logged-in shell itself and returns its exit code
   * and output. A non-zero exit code is not an error. Because the command
   * runs in the login shell, `cd` and variables persist, and `exit` would end
   * the session, so run such commands in a subshell, `( ... )`.
   */
  async run(command: string, options: { timeout?: number } = {}): Promise<ShellResult> {
    if (command.includes('\n')) {
      throw new AlpyError(`Shell.run takes one line; upload a script with Shell.upload to run several: ${JSON.stringify(command)}`);
    }
    const timeout = options.timeout ?? this.timeout;
    const marker = randomBytes(6).toString('hex');
    // The quotes split each marker in the echoed command line, so only the
    // output of echo itself matches.
    await this.console.sendLine(`echo '${marker}''-start'; ${command}; echo "${marker}-end-$?"`);
    await this.console.expect(`${marker}-start\r\n`, { timeout });
    const end = await this.console.expect(new RegExp(`${marker}-end-(\\d+)\\r\\n`), { timeout });
    await this.console.expect(this.prompt, { timeout });
    return { command, exitCode: Number(end.groups[0]), output: end.before.replace(/\r\n/g, '\n') };
  }

  /** Like `run`, but throws `ShellCommandError` with the output when the exit code is not 0. */
  async runOk(command: string, options: { timeout?: number } = {}): Promise<string> {
    const result = await this.run(command, options);
    if (result.exitCode !== 0) {
      throw new ShellCommandError(result);
    }
    return result.output;
  }

  /**
   * Writes `content` to `path` on the DUT with a here-document whose
   * delimiter is random, so no line of the content can end it early.
   * `mode`, such as '755', is applied with chmod.
   */
  async upload(path: string, content: string, options: { mode?: string; timeout?: number } = {}): Promise<void> {
    const delimiter = `ALPY_EOF_${randomBytes(6).toString('hex')}`;
    const body = content.endsWith('\n') ? content : `${content}\n`;
    const longest = Math.max(...body.split('\n').map((line) => Buffer.byteLength(line)));
    if (longest > maxLineBytes) {
      throw new AlpyError(
        `Cannot upload ${path}: a line has ${longest} bytes, but a terminal line in canonical mode takes at most ${maxLineBytes}; split the line or upload the data encoded (for example base64) in shorter lines`,
      );
    }
    const quotedPath = `'${path.replaceAll("'", `'\\''`)}'`;
    await this.console.sendLine(`cat > ${quotedPath} <<'${delimiter}'`);
    for (const line of body.slice(0, -1).split('\n')) {
      await this.console.sendLine(line);
    }
    await this.console.sendLine(delimiter);
    await this.console.expect(this.prompt, { timeout: options.timeout ?? this.timeout });
    await this.runOk(`test -f ${quotedPath}${options.mode ? ` && chmod ${options.mode} ${quotedPath}` : ''}`);
  }
}
