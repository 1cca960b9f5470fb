import { Shell } from 'alpy';
import { expect, test } from 'alpy/fixtures';

import { addHost } from '../hosts.ts';

// Fails on purpose: it enables IPv6 forwarding where IPv4 forwarding is
// needed, so minidut drops the echo requests. The evidence alpy writes for
// it shows the requests on link 0, nothing on link 1, and the command sent
// on the console.
test('forwards ping after enabling forwarding', async ({ dut, link }) => {
  const shell = new Shell(dut.console, { prompt: 'minidut# ' });
  await shell.runOk('echo 1 > /proc/sys/net/ipv6/conf/all/forwarding');
  await addHost(link(0), 1);
  await addHost(link(1), 0);

  const ping = await link(0).run('minidut-tools', 'ping -c 2 -i 0.2 -W 2 198.18.1.2');
  expect(await ping.wait(), 'ping from link 0 to link 1').toBe(0);
});
