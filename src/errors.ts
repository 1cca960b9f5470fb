/** Base class of every error that alpy raises on purpose. */
export class AlpyError extends Error {
  override name = 'AlpyError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Invalid DUT configuration; `problems` lists every problem found at once. */
export class ConfigError extends AlpyError {
  override name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid alpy configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** A host prerequisite is missing: a binary, a permission, a running service. */
export class PrerequisiteError extends AlpyError {
  override name = 'PrerequisiteError';
}

/** A step did not finish within its time limit. */
export class TimeoutError extends AlpyError {
  override name = 'TimeoutError';
}

/** The QEMU process failed to start or exited while it was needed. */
export class QemuExitedError extends AlpyError {
  override name = 'QemuExitedError';

  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly signal: string | undefined,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** A Docker request failed; `cause` is the error from dockerode. */
export class DockerError extends AlpyError {
  override name = 'DockerError';
}

/** Formats the last `count` lines of `text` as an indented block for error messages. */
export function lastLines(text: string, count = 10): string {
  const lines = text.replace(/\r/g, '').split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  const tail = lines.slice(-count);
  return tail.length === 0 ? '    (nothing)' : tail.map((line) => `    | ${line}`).join('\n');
}
