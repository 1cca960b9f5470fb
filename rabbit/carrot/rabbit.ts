import { login, type Shell } from 'alpy';
import type { DutSession } from 'alpy';

import { addresses } from './addresses.ts';

/** Rabbit's root account and shell prompt, set by rabbit/build. */
export const rabbitLogin = { user: 'root', password: 'rabbit', prompt: 'rabbit# ' } as const;

/** Logs in as root on Rabbit's console, or reuses the shell when already logged in. */
export function rabbitShell(dut: DutSession): Promise<Shell> {
  return login(dut.console, rabbitLogin);
}

/**
 * Returns a shell script that gives Rabbit its address on each of `links`
 * and sets IP forwarding on or off. Running it twice gives the same state.
 */
export function addressScript(links: number[], options: { forwarding: boolean }): string {
  const lines = ['set -e'];
  for (const index of links) {
    const plan = addresses(index);
    lines.push(
      `ip addr flush dev ${plan.interface}`,
      `ip addr add ${plan.rabbit}/${plan.prefixLength} dev ${plan.interface}`,
      `ip link set dev ${plan.interface} up`,
    );
  }
  lines.push(`sysctl -q -w net.ipv4.ip_forward=${options.forwarding ? 1 : 0}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Uploads `script` to Rabbit as `path` and runs it with sh; a non-zero exit
 * code throws with the script's output.
 */
export async function runScript(shell: Shell, path: string, script: string): Promise<string> {
  await shell.upload(path, script);
  return shell.runOk(`sh ${path}`);
}
