import { login, type Shell } from 'alpy';
import type { DutSession } from 'alpy';

import { addresses } from './addresses.ts';

/** Rabbit's root account and shell prompt, set by rabbit/build. */
export const rabbitLogin = { user: 'root', password: 'rabbit', prompt: 'rabbit# ' } as const;

/**
 * Pid files of the daemons that tests start on Rabbit. A test that starts
 * haproxy or dnsmasq passes it the matching path, so that `resetRabbit`
 * can stop it.
 */
export const pidFiles = { haproxy: '/run/haproxy.pid', dnsmasq: '/run/dnsmasq.pid' } as const;

/** Lease file for dnsmasq on Rabbit, which `resetRabbit` deletes. */
export const dnsmasqLeaseFile = '/run/dnsmasq.leases';

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
 * Returns a shell script that brings Rabbit back to its state after boot on
 * interfaces eth0 to eth(`linkCount` - 1). The script stops haproxy and
 * dnsmasq, deletes the DHCP leases, the nftables rules, the root qdiscs that
 * tests added and the addresses, flushes the neighbour table and turns IP
 * forwarding off. Unlike after boot, the interfaces are left up.
 */
export function baselineScript(linkCount: number): string {
  const lines = [
    'set -e',
    // Each daemon is stopped through its pid file, and the script waits up to
    // 5 s for it to exit so that its sockets are closed before a test binds
    // them again.
    `for pidfile in ${pidFiles.haproxy} ${pidFiles.dnsmasq}; do`,
    '  [ -f "$pidfile" ] || continue',
    '  pid=$(cat "$pidfile")',
    '  kill "$pid" 2>/dev/null || true',
    '  tries=0',
    '  while kill -0 "$pid" 2>/dev/null; do',
    '    tries=$((tries + 1))',
    '    if [ "$tries" -gt 50 ]; then echo "process $pid of $pidfile did not exit after SIGTERM" >&2; exit 1; fi',
    '    sleep 0.1',
    '  done',
    '  rm -f "$pidfile"',
    'done',
    `rm -f ${dnsmasqLeaseFile}`,
    'nft flush ruleset',
  ];
  for (let index = 0; index < linkCount; index++) {
    const name = addresses(index).interface;
    lines.push(
      `ip link set dev ${name} up`,
      `ip addr flush dev ${name}`,
      // The kernel's default root qdisc has handle 0:, and deleting it fails,
      // so only a root qdisc that a test added is deleted. tc shows no root
      // qdisc for an interface that is down, hence the order.
      `if ! tc qdisc show dev ${name} root | grep -q ' 0: root'; then tc qdisc del dev ${name} root; fi`,
    );
  }
  lines.push('ip neigh flush all', 'sysctl -q -w net.ipv4.ip_forward=0');
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `baselineScript` on Rabbit. Test files share one Rabbit, so each
 * test calls this first instead of relying on what an earlier file left.
 */
export async function resetRabbit(shell: Shell, linkCount: number): Promise<void> {
  await runScript(shell, '/tmp/baseline.sh', baselineScript(linkCount));
}

/**
 * Uploads `script` to Rabbit as `path` and runs it with sh; a non-zero exit
 * code throws with the script's output.
 */
export async function runScript(shell: Shell, path: string, script: string): Promise<string> {
  await shell.upload(path, script);
  return shell.runOk(`sh ${path}`);
}
