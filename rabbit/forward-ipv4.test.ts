import { readPcapFile, decodeRecord } from 'alpy';
import { expect, test } from 'alpy/fixtures';

import { addresses, addressScript, configureHost, rabbitShell, runScript, startWebServer, toolsImage } from './carrot/index.ts';

const client = addresses(0);
const server = addresses(1);

/** Decodes every frame of a link's pcap and keeps the ICMP echoes between the two hosts. */
async function echoes(pcap: string) {
  const { records } = await readPcapFile(pcap);
  return records
    .map((record) => decodeRecord(record))
    .filter((frame) => frame.icmp && frame.ip && [frame.ip.src, frame.ip.dst].sort().join() === [client.host, server.host].sort().join());
}

test('forwards IPv4 between link 0 and link 1', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
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
  for (const index of [0, 1]) {
    const frames = await echoes(link(index).pcap);
    const requests = frames.filter((frame) => frame.icmp?.typeName === 'echo request' && frame.ip?.src === client.host);
    const replies = frames.filter((frame) => frame.icmp?.typeName === 'echo reply' && frame.ip?.src === server.host);
    expect(requests.length, `echo requests in link${index}.pcap`).toBe(3);
    expect(replies.length, `echo replies in link${index}.pcap`).toBe(3);
  }
});

test('does not forward with forwarding off', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: false }));
  await configureHost(link(0));
  await configureHost(link(1));

  const app = await link(0).run(toolsImage, `ping -c 2 -W 1 ${server.host}`);
  expect(await app.wait()).not.toBe(0);
  // Rabbit itself still answers on link 0.
  const local = await link(0).run(toolsImage, `ping -c 1 -W 2 ${client.rabbit}`);
  expect(await local.wait()).toBe(0);
});
