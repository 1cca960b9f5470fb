import { spawn } from 'node:child_process';

/** Exit status and output of a command run by `runCommand`. */
export interface CommandResult {
  /** Exit code; undefined when a signal ended the command or it did not start. */
  exitCode: number | undefined;
  /** Signal that ended the command, such as `SIGKILL`. */
  signal: NodeJS.Signals | undefined;
  stdout: string;
  stderr: string;
  /** Error of a command that did not start, such as `spawn tcpdump ENOENT`. */
  startError: Error | undefined;
}

/**
 * Runs `file` with `args` without a shell, writes `input` to its standard
 * input and closes it (at once when there is no input), and resolves once
 * the command exited and its output is read. It never rejects: the result
 * describes a command that failed or did not start.
 *
 * alpy runs short host commands (`ip`, `nsenter`, `tcpdump`) with this
 * instead of execa, whose features these calls do not use. On the 2-core
 * host of BENCHMARKS.md, importing execa took about 75 ms in each Vitest
 * worker, and importing this module 10 ms.
 */
export function runCommand(file: string, args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let startError: Error | undefined;
    child.on('error', (error) => {
      startError = error;
    });
    // 'close' comes after 'exit' once the output streams are read, and also
    // after an 'error' for a command that did not start.
    child.on('close', (code, signal) => {
      resolve({
        exitCode: startError ? undefined : (code ?? undefined),
        signal: signal ?? undefined,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        startError,
      });
    });
    // A command that exits without reading its input closes the pipe. Its
    // exit status describes the failure, so EPIPE is ignored here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Describes how a command failed, for error messages: its error output, or how it ended. */
export function describeFailure(result: CommandResult): string {
  if (result.startError) {
    return result.startError.message;
  }
  const stderr = result.stderr.trim();
  if (stderr !== '') {
    return stderr;
  }
  return result.signal ? `ended by ${result.signal}` : `exit code ${result.exitCode}`;
}
