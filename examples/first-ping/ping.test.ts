import { expect, test } from 'alpy/fixtures';

test('DUT answers ping', async ({ link }) => {
  await link(0).ip('addr', 'add', '198.18.0.2/24', 'dev', 'eth0');
  const ping = await link(0).run('minidut-tools', 'ping -c 1 -W 2 198.18.0.1');
  expect(await ping.wait()).toBe(0);
});
