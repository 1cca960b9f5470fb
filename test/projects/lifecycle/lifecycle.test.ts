import { writeFileSync } from 'node:fs';

import { expect, test } from 'alpy/fixtures';

const mode = process.env.LIFECYCLE_MODE ?? 'pass';

test(`lifecycle ${mode}`, async ({ link, dut }) => {
  await link(0).ip('addr', 'add', '198.18.0.2/24', 'dev', 'eth0');
  const server = await link(0).run('rabbit-tools:latest', 'exec busybox httpd -f -p 80');
  await link(0).waitForPort(80);
  await link(1).run('rabbit-tools:latest', 'exec sleep 600');
  expect(await server.isRunning()).toBe(true);

  if (mode === 'fail') {
    expect(dut.info.links.length, 'deliberate failure').toBe(99);
  }
  if (mode === 'throw') {
    setTimeout(() => {
      throw new Error('deliberate uncaught error');
    }, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (mode === 'hang') {
    // The lifecycle test sends a signal once this file exists.
    writeFileSync(process.env.LIFECYCLE_MARKER!, dut.info.runId);
    await new Promise(() => {});
  }
});
