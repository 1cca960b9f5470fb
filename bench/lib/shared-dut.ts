import { login } from '../../src/console/login.ts';
import type { Shell } from '../../src/console/shell.ts';
import { startDut, type StartedDut } from '../../src/dut.ts';
import type { Link } from '../../src/link/link.ts';
import { DutSession } from '../../src/session.ts';
import { benchRabbitConfig } from './rabbit.ts';

/** A booted Rabbit with 2 links, a session on it and a root shell on its console. */
export interface SharedDut {
  dut: StartedDut;
  session: DutSession;
  shell: Shell;
  /** Link `index`; app containers it starts are tracked and removed by `stop`. */
  link(index: number): Link;
  /** Removes the app containers, closes the session and stops Rabbit. */
  stop(): Promise<void>;
}

/** Rabbit's address on link N is 198.18.N.1/24 and the host's in the node namespace is 198.18.N.2/24. */
export function rabbitAddress(index: number): string {
  return `198.18.${index}.1`;
}

/** Returns the address of the host on link `index`, in the node's namespace. */
export function hostAddress(index: number): string {
  return `198.18.${index}.2`;
}

/** Boots Rabbit with 2 links and logs in on its console. */
export async function startSharedDut(): Promise<SharedDut> {
  const dut = await startDut(benchRabbitConfig(2));
  const session = await DutSession.connect(dut.info);
  const apps: Array<{ remove(): Promise<void> }> = [];
  try {
    const shell = await login(session.console, { user: 'root', password: 'rabbit', prompt: 'rabbit# ' });
    return {
      dut,
      session,
      shell,
      link: (index) => session.link(index, (app) => apps.push(app)),
      stop: async () => {
        await Promise.all(apps.map((app) => app.remove()));
        session.close();
        await dut.stop();
      },
    };
  } catch (error) {
    session.close();
    await dut.stop();
    throw error;
  }
}

/**
 * Gives Rabbit 198.18.N.1/24 on eth0 and eth1 with IPv4 forwarding on and
 * no root qdisc of its own, and each link's namespace 198.18.N.2/24 with a
 * default route through Rabbit.
 */
export async function configureForwarding(shared: SharedDut): Promise<void> {
  const lines = ['set -e'];
  for (const index of [0, 1]) {
    lines.push(
      `ip addr flush dev eth${index}`,
      `ip addr add ${rabbitAddress(index)}/24 dev eth${index}`,
      `ip link set dev eth${index} up`,
      // The kernel's default root qdisc has handle 0: and cannot be deleted.
      `if ! tc qdisc show dev eth${index} root | grep -q ' 0: root'; then tc qdisc del dev eth${index} root; fi`,
    );
  }
  lines.push('sysctl -q -w net.ipv4.ip_forward=1');
  await shared.shell.upload('/tmp/bench-forward.sh', `${lines.join('\n')}\n`);
  await shared.shell.runOk('sh /tmp/bench-forward.sh');
  for (const index of [0, 1]) {
    const link = shared.link(index);
    await link.reset();
    await link.ip('addr', 'add', `${hostAddress(index)}/24`, 'dev', 'eth0');
    await link.ip('route', 'add', 'default', 'via', rabbitAddress(index));
  }
}
