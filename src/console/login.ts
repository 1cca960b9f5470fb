import { AlpyError } from '../errors.ts';
import type { Console, Pattern } from './console.ts';
import { Shell, type ShellOptions } from './shell.ts';

/** Options of `login`. */
export interface LoginOptions extends ShellOptions {
  user: string;
  /** Password; without one, no password prompt is expected. */
  password?: string;
  /** The login prompt. @default /login: $/ */
  loginPrompt?: Pattern;
  /** The password prompt. @default /[Pp]assword: $/ */
  passwordPrompt?: Pattern;
  /** Time limit of each step in milliseconds. @default 30000 */
  timeout?: number;
}

/**
 * Logs in on a console at a getty login prompt and returns a `Shell` once
 * the shell prompt appears. It first sends Enter, because the earlier login
 * prompt may already be consumed and getty prints it again. When a shell
 * prompt appears instead, the console is logged in already.
 */
export async function login(console: Console, options: LoginOptions): Promise<Shell> {
  const timeout = options.timeout ?? 30_000;
  const loginPrompt = options.loginPrompt ?? /login: $/;
  const shell = new Shell(console, options);
  console.clear();
  await console.sendLine();
  const first = await console.expect([loginPrompt, shell.prompt], { timeout });
  if (first.index === 1) {
    return shell;
  }
  await console.sendLine(options.user);
  if (options.password !== undefined) {
    await console.expect(options.passwordPrompt ?? /[Pp]assword: $/, { timeout });
    await console.sendLine(options.password);
  }
  const after = await console.expect([shell.prompt, /Login incorrect/], { timeout });
  if (after.index === 1) {
    throw new AlpyError(`Login as ${options.user} failed: the DUT printed "Login incorrect"; check the user and password`);
  }
  return shell;
}
