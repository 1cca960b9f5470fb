import { Shell } from 'alpy';
import { expect, test } from 'alpy/fixtures';

import { addHost } from './hosts.ts';

test('forwards ping after enabling IPv4 forwarding', async ({ dut, link }) => {
  const shell = new Shell(dut.console, { prompt: 'minidut# ' });
  await shell.runOk('echo 1 > /proc/sys/net/ipv4/ip_forward');
  await addHost(link(0), 1);
  await addHost(link(1), 0);

  const ping = await link(0).run('minidut-tools', 'ping -c 2 -i 0.2 -W 2 198.18.1.2');
  expect(await ping.wait(), 'ping from link 0 to link 1').toBe(0);
  for (const index of [0, 1]) {
    expect(await link(index).traffic.count({ icmpType: 'echo request', dst: '198.18.1.2' }), `requests on link ${index}`).toBe(2);
    expect(await link(index).traffic.count({ icmpType: 'echo reply', dst: '198.18.0.2' }), `replies on link ${index}`).toBe(2);
  }
});
