import { expect, test } from 'alpy/fixtures';

import {
  accessLogClients,
  addresses,
  addressScript,
  configureHost,
  pidFiles,
  rabbitShell,
  resetRabbit,
  runScript,
  startWebServer,
  toolsImage,
} from './carrot/index.ts';

const frontend = addresses(0);
const backends = [addresses(1), addresses(2)];
const requestCount = 20;

// haproxy listens on Rabbit's link 0 address and passes each HTTP request to
// the backends on links 1 and 2 in turn. There are no health checks, so both
// backends stay in the rotation. With one thread, round robin over two
// servers of equal weight alternates strictly.
const haproxyConfig = `
global
    nbthread 1

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend web
    bind ${frontend.rabbit}:80
    default_backend pool

backend pool
    balance roundrobin
    server link1 ${backends[0]!.host}:80
    server link2 ${backends[1]!.host}:80
`;

test('haproxy spreads requests round robin', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  // haproxy opens its own connections to the backends, so Rabbit does not
  // forward packets.
  await runScript(shell, '/tmp/addresses.sh', addressScript([0, 1, 2], { forwarding: false }));
  await shell.upload('/tmp/haproxy.cfg', haproxyConfig);
  await runScript(shell, '/tmp/haproxy.sh', `set -e\nhaproxy -c -q -f /tmp/haproxy.cfg\nhaproxy -D -f /tmp/haproxy.cfg -p ${pidFiles.haproxy}\n`);
  for (const index of [0, 1, 2]) {
    await configureHost(link(index));
  }

  const servers = [await startWebServer(link(1), 'backend on link 1'), await startWebServer(link(2), 'backend on link 2')];
  // Each curl opens a new connection, so every request is balanced on its own.
  const client = await link(0).run(
    toolsImage,
    `for i in $(seq ${requestCount}); do curl -sS --max-time 5 http://${frontend.rabbit}/ || echo 'request failed'; done`,
  );
  const { stdout, stderr } = await client.waitOk();
  const responses = stdout.trim().split('\n');

  expect(responses, 'one response line per request').toHaveLength(requestCount);
  expect(responses.filter((body) => body === 'request failed'), `requests that failed; curl errors:\n${stderr}`).toHaveLength(0);
  for (let index = 1; index < responses.length; index++) {
    expect(responses[index], `response ${index + 1} comes from the other backend than response ${index}: ${responses.join(' | ')}`).not.toBe(
      responses[index - 1],
    );
  }
  expect(responses.filter((body) => body === 'backend on link 1'), 'responses from the backend on link 1').toHaveLength(requestCount / 2);
  expect(responses.filter((body) => body === 'backend on link 2'), 'responses from the backend on link 2').toHaveLength(requestCount / 2);

  // Each backend saw its half of the requests, and all of them came from
  // Rabbit's address on its link, because haproxy made the connections.
  for (const [position, server] of servers.entries()) {
    const plan = backends[position]!;
    const clients = await accessLogClients(server);
    expect(clients, `clients in the access log of the backend on link ${position + 1}`).toEqual(
      Array<string>(requestCount / 2).fill(plan.rabbit),
    );
  }
});
