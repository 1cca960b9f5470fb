import { expect, test } from 'alpy/fixtures';

import { addresses, addressScript, configureHost, rabbitShell, resetRabbit, runScript, startWebServer, toolsImage } from './carrot/index.ts';

const client = addresses(0);
const server = addresses(1);
const allowedPort = 80;
const droppedPort = 8080;

// Rabbit forwards new TCP connections from link 0 to the server's port 80
// and the packets of connections it accepted. The forward policy drops
// everything else, and the explicit rule for port 8080 counts what it drops.
const rules = `
flush ruleset
table inet filter {
    chain forward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "${client.interface}" oifname "${server.interface}" ip daddr ${server.host} tcp dport ${allowedPort} accept
        tcp dport ${droppedPort} counter drop
    }
}
`;

test('nftables passes port 80 and drops port 8080', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: true }));
  await shell.upload('/tmp/rules.nft', rules);
  await shell.runOk('nft -f /tmp/rules.nft');
  await configureHost(link(0));
  await configureHost(link(1));

  // Two web servers on link 1, one per port.
  await startWebServer(link(1), `port ${allowedPort}`, { port: allowedPort });
  await startWebServer(link(1), `port ${droppedPort}`, { port: droppedPort });

  const allowed = await link(0).run(toolsImage, `curl -sS --max-time 10 http://${server.host}:${allowedPort}/`);
  const allowedOutput = await allowed.waitOk();
  expect(allowedOutput.stdout, `response on port ${allowedPort}`).toBe(`port ${allowedPort}\n`);

  // curl exits with 28 when the connection times out: the SYNs vanish, and
  // no RST or ICMP error comes back, as it would for a rejected connection.
  const dropped = await link(0).run(toolsImage, `curl -sS --connect-timeout 3 http://${server.host}:${droppedPort}/`);
  const droppedExit = await dropped.wait();
  const droppedOutput = await dropped.logs();
  expect(droppedExit, `curl exit code on port ${droppedPort} (28 is a timeout); stderr: ${droppedOutput.stderr}`).toBe(28);

  // SYNs to port 8080 arrive on link 0 and none leaves on link 1, while the
  // SYN to port 80 crosses both.
  const droppedSyn = { dst: server.host, dstPort: droppedPort, tcpFlags: 'S' };
  const allowedSyn = { dst: server.host, dstPort: allowedPort, tcpFlags: 'S' };
  expect(await link(0).traffic.count(droppedSyn), `SYNs to port ${droppedPort} on link 0`).toBeGreaterThanOrEqual(2);
  await link(1).traffic.expectNone(droppedSyn);
  expect(await link(0).traffic.count(allowedSyn), `SYNs to port ${allowedPort} on link 0`).toBe(1);
  expect(await link(1).traffic.count(allowedSyn), `SYNs to port ${allowedPort} on link 1`).toBe(1);

  // Rabbit's rule counted every SYN that reached it on link 0.
  const synsOnLink0 = await link(0).traffic.count(droppedSyn);
  const counter = await shell.runOk('nft list chain inet filter forward');
  expect(counter, `counter of the port ${droppedPort} rule`).toMatch(new RegExp(`tcp dport ${droppedPort} counter packets ${synsOnLink0} bytes \\d+ drop`));
});
