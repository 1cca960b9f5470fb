import { expect, test } from 'alpy/fixtures';
import type { Shell } from 'alpy';

import { addresses, addressScript, configureHost, rabbitShell, resetRabbit, runScript, toolsImage } from './carrot/index.ts';

const client = addresses(0);
const server = addresses(1);

/**
 * Waits up to 5 s until Rabbit's kernel reports `state` as the operational
 * state of `name`. The kernel applies a carrier change after a short delay,
 * and the operational state changes only then.
 */
async function waitForOperstate(shell: Shell, name: string, state: 'up' | 'down'): Promise<void> {
  const file = `/sys/class/net/${name}/operstate`;
  await shell.runOk(
    `for i in $(seq 50); do [ "$(cat ${file})" = ${state} ] && break; sleep 0.1; done; [ "$(cat ${file})" = ${state} ] || { echo "${file}: $(cat ${file}), expected ${state}"; false; }`,
  );
}

test('forwarding stops while link 1 is unplugged', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: true }));
  await configureHost(link(0));
  await configureHost(link(1));
  const ping = `ping -c 3 -i 0.2 -W 1 ${server.host}`;
  const echoRequest = { icmpType: 'echo request', src: client.host, dst: server.host };

  // Plugged in: the echoes cross Rabbit.
  const before = await link(0).run(toolsImage, ping);
  expect(await before.wait(), 'ping exit code with link 1 up').toBe(0);
  expect(await link(1).traffic.count(echoRequest), 'echo requests on link 1 with link 1 up').toBe(3);

  // Unplugged: QEMU reports no carrier on Rabbit's eth1, and the requests
  // that reach Rabbit on link 0 go no further.
  await link(1).setCarrier(false);
  await waitForOperstate(shell, server.interface, 'down');
  const unpluggedOnLink0 = await link(0).traffic.mark();
  const unpluggedOnLink1 = await link(1).traffic.mark();
  const during = await link(0).run(toolsImage, ping);
  expect(await during.wait(), 'ping exit code with link 1 down (1: no reply)').toBe(1);
  expect(await link(0).traffic.count(echoRequest, { since: unpluggedOnLink0 }), 'echo requests on link 0 with link 1 down').toBe(3);
  await link(1).traffic.expectNone(echoRequest, { since: unpluggedOnLink1 });

  // Plugged in again: forwarding resumes. Linux flushes the neighbour
  // entries of an interface that loses its carrier, so the requests sent
  // while link 1 was down started an ARP resolution of the server that
  // cannot succeed. Until it fails (3 ARP probes 1 s apart, all lost),
  // Rabbit queues new requests for the server and then answers them with
  // "host unreachable", so single pings repeat until one gets a reply, for
  // at most 20 attempts.
  await link(1).setCarrier(true);
  await waitForOperstate(shell, server.interface, 'up');
  const recovery = await link(0).run(
    toolsImage,
    `for attempt in $(seq 20); do ping -c 1 -W 1 ${server.host} > /dev/null && exit 0; sleep 0.5; done; exit 1`,
  );
  expect(await recovery.wait(), 'exit code of the pings until a reply with link 1 up again (1: no reply in 20 attempts)').toBe(0);
  const replugged = await link(1).traffic.mark();
  const after = await link(0).run(toolsImage, ping);
  expect(await after.wait(), 'ping exit code with link 1 up again').toBe(0);
  expect(await link(1).traffic.count(echoRequest, { since: replugged }), 'echo requests on link 1 with link 1 up again').toBe(3);
});
