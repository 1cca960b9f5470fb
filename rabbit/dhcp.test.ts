import { expect, test } from 'alpy/fixtures';

import { addresses, dnsmasqLeaseFile, pidFiles, rabbitShell, resetRabbit, runDhcpClient, runScript } from './carrot/index.ts';

const plan = addresses(0);

/** Returns an IPv4 address in dotted notation as a 32-bit number, for range checks. */
function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

// dnsmasq serves DHCP only on eth0 (`--port=0` turns its DNS server off)
// and leases addresses of the plan's pool for 10 minutes. It reads no
// configuration file, so only these options apply. `--no-ping` skips the
// ICMP echo that dnsmasq otherwise sends to an address before it offers it,
// which delays the OFFER by about 3 s.
const dnsmasqCommand = [
  'dnsmasq',
  '--conf-file=/dev/null',
  '--port=0',
  `--interface=${plan.interface}`,
  '--bind-interfaces',
  `--dhcp-range=${plan.dhcpPool.first},${plan.dhcpPool.last},255.255.255.0,10m`,
  '--dhcp-authoritative',
  '--no-ping',
  `--dhcp-leasefile=${dnsmasqLeaseFile}`,
  `--pid-file=${pidFiles.dnsmasq}`,
  '--log-dhcp',
  '--log-facility=/run/dnsmasq.log',
].join(' ');

test('dnsmasq leases an address from its pool', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/dhcp.sh', `set -e\nip addr add ${plan.rabbit}/${plan.prefixLength} dev ${plan.interface}\n${dnsmasqCommand}\n`);

  const client = await runDhcpClient(link(0));
  expect(client.exitCode, `udhcpc exit code; output:\n${client.output}`).toBe(0);
  const leased = /lease of ([\d.]+) obtained/.exec(client.output)?.[1];
  expect(leased, `leased address in the udhcpc output:\n${client.output}`).toBeDefined();
  const address = leased!;

  const pool = `${plan.dhcpPool.first}-${plan.dhcpPool.last}`;
  expect(ipv4ToNumber(address), `${address} is at or above the pool start (${pool})`).toBeGreaterThanOrEqual(ipv4ToNumber(plan.dhcpPool.first));
  expect(ipv4ToNumber(address), `${address} is at or below the pool end (${pool})`).toBeLessThanOrEqual(ipv4ToNumber(plan.dhcpPool.last));

  // udhcpc's script configured the link with the lease, and dnsmasq sent
  // its own address as the router.
  expect(await link(0).ip('-4', '-o', 'addr', 'show', 'dev', 'eth0'), 'IPv4 addresses on link 0').toContain(`inet ${address}/${plan.prefixLength}`);
  expect(await link(0).ip('-4', 'route', 'show', 'default'), 'default route on link 0').toContain(`default via ${plan.rabbit} dev eth0`);

  // dnsmasq recorded the lease for the client's MAC address.
  const clientMac = (await link(0).ip('-br', 'link', 'show', 'dev', 'eth0')).trim().split(/\s+/)[2]!;
  const leases = await shell.runOk(`cat ${dnsmasqLeaseFile}`);
  expect(leases, `dnsmasq lease file ${dnsmasqLeaseFile}`).toMatch(new RegExp(`^\\d+ ${clientMac} ${address.replaceAll('.', '\\.')} `, 'm'));

  // The capture of link 0 shows the four messages of RFC 2131, in order:
  // the client broadcasts DISCOVER, Rabbit offers the address, the client
  // requests it and Rabbit acknowledges it.
  const [discover] = await link(0).traffic.frames({ dhcp: 'DISCOVER', ethSrc: clientMac, src: '0.0.0.0' });
  const [offer] = await link(0).traffic.frames({ dhcp: 'OFFER', ethSrc: link(0).dutMac, src: plan.rabbit });
  const [request] = await link(0).traffic.frames({ dhcp: 'REQUEST', ethSrc: clientMac });
  const [ack] = await link(0).traffic.frames({ dhcp: 'ACK', ethSrc: link(0).dutMac, src: plan.rabbit });
  expect(discover, 'DHCPDISCOVER from the client on link 0').toBeDefined();
  expect(offer, 'DHCPOFFER from Rabbit on link 0').toBeDefined();
  expect(request, 'DHCPREQUEST from the client on link 0').toBeDefined();
  expect(ack, 'DHCPACK from Rabbit on link 0').toBeDefined();
  expect(offer!.dhcp!.yiaddr, 'address in the OFFER').toBe(address);
  expect(request!.dhcp!.requestedIp, 'requested address in the REQUEST').toBe(address);
  expect(ack!.dhcp!.yiaddr, 'address in the ACK').toBe(address);
  expect(ack!.dhcp!.serverId, 'server identifier in the ACK').toBe(plan.rabbit);
  const offsets = [discover!, offer!, request!, ack!].map((frame) => frame.offset);
  expect(offsets, 'capture offsets of DISCOVER, OFFER, REQUEST and ACK are in that order').toEqual([...offsets].sort((a, b) => a - b));
});
