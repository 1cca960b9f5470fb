import { expect, test } from 'alpy/fixtures';

import {
  accessLogClients,
  addresses,
  addressScript,
  configureHost,
  rabbitShell,
  resetRabbit,
  runScript,
  startWebServer,
  toolsImage,
} from './carrot/index.ts';

const client = addresses(0);
const server = addresses(1);

// Connections that leave through eth1 get Rabbit's eth1 address as their
// source, and conntrack translates the replies back.
const rules = `
flush ruleset
table ip nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "${server.interface}" masquerade
    }
}
`;

test('masquerades link 0 clients on link 1', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: true }));
  await shell.upload('/tmp/nat.nft', rules);
  await shell.runOk('nft -f /tmp/nat.nft');
  await configureHost(link(0));
  // The server has a default route through Rabbit, so without masquerade it
  // would still reach the client and see the client's own address.
  await configureHost(link(1));

  const web = await startWebServer(link(1), 'behind the NAT');
  const request = await link(0).run(toolsImage, `curl -sS --max-time 10 http://${server.host}/`);
  const { stdout } = await request.waitOk();
  expect(stdout, 'response of the server on link 1').toBe('behind the NAT\n');

  // The server's access log records Rabbit's link 1 address as the client.
  expect(await accessLogClients(web), 'clients in the access log of the server on link 1').toEqual([server.rabbit]);

  // On link 0 the connection runs between the client and the server. On
  // link 1 the same connection comes from Rabbit, and no frame there
  // carries the client's address.
  const synToServer = { dst: server.host, dstPort: 80, tcpFlags: 'S' };
  const [synOnLink0] = await link(0).traffic.frames(synToServer);
  const [synOnLink1] = await link(1).traffic.frames(synToServer);
  expect(synOnLink0?.ip?.src, 'source address of the SYN on link 0').toBe(client.host);
  expect(synOnLink1?.ip?.src, 'source address of the SYN on link 1').toBe(server.rabbit);
  expect(await link(1).traffic.count({ src: server.host, dst: server.rabbit, protocol: 'tcp' }), 'TCP segments from the server to Rabbit on link 1').toBeGreaterThan(0);
  await link(1).traffic.expectNone({ host: client.host });
});
