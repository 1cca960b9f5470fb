import { expect, test } from 'alpy/fixtures';

const tools = 'minidut-tools';

test('answers ping on both links', async ({ link }) => {
  for (const index of [0, 1]) {
    const dut = `198.18.${index}.1`;
    const host = `198.18.${index}.2`;
    await link(index).ip('addr', 'add', `${host}/24`, 'dev', 'eth0');
    const ping = await link(index).run(tools, `ping -c 2 -i 0.2 -W 2 ${dut}`);
    expect(await ping.wait(), `ping on link ${index}`).toBe(0);

    const requests = await link(index).traffic.count({ icmpType: 'echo request', src: host, dst: dut });
    const replies = await link(index).traffic.frames({ icmpType: 'echo reply', src: dut, dst: host });
    expect(requests, `echo requests on link ${index}`).toBe(2);
    expect(replies, `echo replies on link ${index}`).toHaveLength(2);
    expect(replies[0]?.eth?.src, `source MAC of the replies on link ${index}`).toBe(link(index).dutMac);
  }
});

test('forwards HTTP from link 0 to link 1', async ({ link }) => {
  await link(0).ip('addr', 'add', '198.18.0.2/24', 'dev', 'eth0');
  await link(0).ip('route', 'add', '198.18.1.0/24', 'via', '198.18.0.1');
  await link(1).ip('addr', 'add', '198.18.1.2/24', 'dev', 'eth0');
  await link(1).ip('route', 'add', '198.18.0.0/24', 'via', '198.18.1.1');

  await link(1).run(tools, 'echo hello from link 1 > /www/index.html && httpd -f -p 80 -h /www');
  await link(1).waitForPort(80);
  // NOTE: busybox 1.35.0's wget crashes with SIGSEGV when given -T, so the
  // wait for the container has the time limit instead.
  const client = await link(0).run(tools, 'wget -q -O - http://198.18.1.2/');
  expect(await client.wait({ timeout: 10_000 })).toBe(0);
  expect((await client.logs()).stdout).toBe('hello from link 1\n');

  // The client's SYN enters minidut on link 0 and leaves it on link 1, one hop later.
  const syn = { protocol: 'tcp', tcpFlags: 'S', src: '198.18.0.2', dst: '198.18.1.2', dstPort: 80 } as const;
  const [sent] = await link(0).traffic.frames(syn);
  const [forwarded] = await link(1).traffic.frames(syn);
  expect(sent?.eth?.dst).toBe(link(0).dutMac);
  expect(forwarded?.eth?.src).toBe(link(1).dutMac);
  expect(forwarded?.ip?.ttl).toBe(sent!.ip!.ttl - 1);
});
