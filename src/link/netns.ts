import { AlpyError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { describeFailure, runCommand } from '../run-command.ts';

const log = createLogger('link');

/** An `ip` command in a link's network namespace failed. */
export class NetnsCommandError extends AlpyError {
  override name = 'NetnsCommandError';
}

/**
 * Runs `ip` with `args` in the network namespace of process `pid` through
 * nsenter, and returns its standard output without the final newline.
 */
export async function ipInNetns(pid: number, args: string[], input?: string): Promise<string> {
  const result = await runCommand('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', ...args], input);
  if (result.exitCode !== 0) {
    throw new NetnsCommandError(
      `ip ${args.join(' ')} in the network namespace of pid ${pid} failed (exit code ${result.exitCode}): ${describeFailure(result)}`,
    );
  }
  return result.stdout.replace(/\r?\n$/, '');
}

/**
 * Moves tap `tap` from the host into the network namespace of process `pid`,
 * renames it `eth0` and brings it up. A device moved between namespaces goes
 * down, so the second step runs inside the target namespace.
 */
export async function moveTap(tap: string, pid: number): Promise<void> {
  const moved = await runCommand('ip', ['link', 'set', 'dev', tap, 'netns', String(pid)]);
  if (moved.exitCode !== 0) {
    throw new NetnsCommandError(`Cannot move tap ${tap} into the network namespace of pid ${pid}: ${describeFailure(moved)}`);
  }
  await ipInNetns(pid, ['-batch', '-'], `link set dev ${tap} name eth0\nlink set dev eth0 up\n`);
  log.debug(`moved ${tap} into the namespace of pid ${pid} as eth0`);
}
