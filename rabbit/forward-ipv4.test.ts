import { expect, test } from 'alpy/fixtures';

import { addresses, addressScript, configureHost, rabbitShell, resetRabbit, runScript, startWebServer, toolsImage } from './carrot/index.ts';

const client = addresses(0);
const server = addresses(1);

test('forwards IPv4 between link 0 and link 1', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: true }));
  await configureHost(link(0));
  await configureHost(link(1));

  await startWebServer(link(1), 'hello from link 1');
  const app = await link(0).run(toolsImage, `ping -c 3 -W 2 ${server.host} && curl -sS --max-time 10 http://${server.host}/`);
  expect(await app.wait()).toBe(0);
  const { stdout } = await app.logs();
  expect(stdout).toMatch(/3 packets transmitted, 3 (packets )?received/);
  expect(stdout).toContain('hello from link 1');

  // The same echoes cross both links: requests from the client and the replies.
  const request = { icmpType: 'echo request', src: client.host, dst: server.host };
  const reply = { icmpType: 'echo reply', src: server.host, dst: client.host };
  for (const index of [0, 1]) {
    expect(await link(index).traffic.count(request), `echo requests on link ${index}`).toBe(3);
    expect(await link(index).traffic.count(reply), `echo replies on link ${index}`).toBe(3);
  }

  // On link 1 the requests come from Rabbit's NIC, one hop later.
  const [sent] = await link(0).traffic.frames(request);
  const [forwarded] = await link(1).traffic.frames(request);
  expect(forwarded?.eth?.src).toBe(link(1).dutMac);
  expect(forwarded?.ip?.ttl).toBe(sent!.ip!.ttl - 1);
});

test('does not forward with forwarding off', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: false }));
  await configureHost(link(0));
  await configureHost(link(1));

  const app = await link(0).run(toolsImage, `ping -c 2 -W 1 ${server.host}`);
  expect(await app.wait()).not.toBe(0);
  await link(1).traffic.expectNone({ protocol: 'icmp', dst: server.host });
  // Rabbit itself still replies on link 0.
  const local = await link(0).run(toolsImage, `ping -c 1 -W 2 ${client.rabbit}`);
  expect(await local.wait()).toBe(0);
});
