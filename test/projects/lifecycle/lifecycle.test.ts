import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { expect, test } from 'alpy/fixtures';

const mode = process.env.LIFECYCLE_MODE ?? 'pass';

test(`lifecycle ${mode}`, async ({ link, dut }) => {
  await link(0).ip('addr', 'add', '198.18.0.2/24', 'dev', 'eth0');
  const server = await link(0).run('rabbit-tools:latest', 'exec busybox httpd -f -p 80');
  await link(0).waitForPort(80);
  await link(1).run('rabbit-tools:latest', 'exec sleep 600');
  expect(await server.isRunning()).toBe(true);

  if (mode === 'fail') {
    // Rabbit's NIC is down, so the ping fails, but its ARP requests are captured.
    const ping = await link(0).run('rabbit-tools:latest', 'ping -c 1 -W 1 198.18.0.1');
    await ping.wait();
    expect(dut.info.links.length, 'deliberate failure').toBe(99);
  }
  if (mode === 'throw') {
    setTimeout(() => {
      throw new Error('deliberate uncaught error');
    }, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (mode === 'parallel') {
    // Waits until every run of the group reached this point, so they overlap.
    const barrier = process.env.LIFECYCLE_BARRIER!;
    writeFileSync(path.join(barrier, dut.info.runId), '');
    while (readdirSync(barrier).length < Number(process.env.LIFECYCLE_PEERS)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const client = await link(0).run('rabbit-tools:latest', 'curl -sS --max-time 5 -o /dev/null -w "%{http_code}" http://198.18.0.2/');
    expect(await client.wait()).toBe(0);
    expect((await client.logs()).stdout).toBe('404');
    expect(existsSync(dut.info.runDir)).toBe(true);
  }
  if (mode === 'hang') {
    // The lifecycle test sends a signal once this file exists.
    writeFileSync(process.env.LIFECYCLE_MARKER!, dut.info.runId);
    await new Promise(() => {});
  }
});
