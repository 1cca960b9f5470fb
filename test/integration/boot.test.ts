import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

import Docker from 'dockerode';

import { afterAll, describe, expect, it } from 'vitest';

import { startDut, type StartedDut } from '../../src/dut.ts';
import { ipInNetns } from '../../src/link/netns.ts';
import { DutSession } from '../../src/session.ts';
import { nothingLeft, waitForCleanHost } from '../helpers/leftovers.ts';
import { rabbitConfig } from '../helpers/rabbit.ts';

describe('startDut with Rabbit', () => {
  let dut: StartedDut | undefined;

  afterAll(async () => {
    await dut?.stop();
  });

  it('boots with links wired into node namespaces', async () => {
    dut = await startDut(rabbitConfig({ links: 2 }));
    expect(dut.info.links).toHaveLength(2);
    for (const link of dut.info.links) {
      // The tap left the host namespace and is eth0, up, in its node's namespace.
      expect(() => statSync(`/sys/class/net/${link.tap}`)).toThrow();
      const eth0 = await ipInNetns(link.node.pid, ['-o', 'link', 'show', 'dev', 'eth0']);
      expect(eth0).toMatch(/state UP|state UNKNOWN/);
    }
  });

  it('logs the console from the first byte', () => {
    const raw = readFileSync(`${dut!.info.runDir}/console.raw`, 'latin1');
    expect(raw).toMatch(/Linux version/);
    expect(raw).toContain('rabbit login: ');
    const text = readFileSync(dut!.info.consoleLog, 'utf8');
    expect(text).toMatch(/^\S+ < /m);
  });

  it('shares the console and QMP with a session', async () => {
    const session = await DutSession.connect(dut!.info);
    try {
      await session.console.sendLine('');
      await session.console.expect('rabbit login: ');
      const status = await session.qmp.execute('query-status');
      expect(status).toMatchObject({ running: true, status: 'running' });
    } finally {
      session.close();
    }
  });

  it('keeps sockets private and listens on no TCP port', async () => {
    const folder = path.dirname(dut!.info.qmpSocket);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const pid = dut!.qemu.pid!;
    const socketInodes = readdirSync(`/proc/${pid}/fd`)
      .map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`))
      .filter((target) => target.startsWith('socket:['))
      .map((target) => target.slice(8, -1));
    expect(socketInodes.length).toBeGreaterThan(0);
    for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
      const inodes = readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[9]);
      expect(socketInodes.filter((inode) => inodes.includes(inode)), `QEMU sockets in /proc/net/${table}`).toEqual([]);
    }
  });

  it('runs node containers without privileges or network', async () => {
    const docker = new Docker();
    for (const link of dut!.info.links) {
      const { HostConfig } = await docker.getContainer(link.node.id).inspect();
      expect(HostConfig.Privileged).toBe(false);
      expect(HostConfig.NetworkMode).toBe('none');
      expect(HostConfig.CapDrop).toEqual(['ALL']);
    }
    const session = await DutSession.connect(dut!.info);
    try {
      const app = await session.link(0).run('rabbit-tools:latest', 'sleep 30');
      const { HostConfig } = await docker.getContainer(app.id).inspect();
      expect(HostConfig.Privileged).toBe(false);
      expect(HostConfig.NetworkMode).toBe(`container:${dut!.info.links[0]!.node.id}`);
      await app.remove();
    } finally {
      session.close();
    }
  });

  it('leaves nothing behind after stop', async () => {
    const { runId } = dut!.info;
    await dut!.stop();
    await dut!.stop();
    dut = undefined;
    expect(await waitForCleanHost(runId)).toEqual(nothingLeft);
  });
});

describe('startDut with an e1000 NIC', () => {
  it('wires and captures the link', async () => {
    // Rabbit's cloud kernel has no e1000 driver, so only the host side of
    // the link works: QEMU's device, the tap in the node and the capture.
    const dut = await startDut(rabbitConfig({ links: 1, nic: 'e1000' }));
    try {
      const session = await DutSession.connect(dut.info);
      try {
        const link = session.link(0);
        await link.ip('addr', 'add', '198.18.0.2/24', 'dev', 'eth0');
        const ping = await link.run('rabbit-tools:latest', 'ping -c 2 -W 1 198.18.0.1');
        expect(await ping.wait()).not.toBe(0);
        await ping.remove();
        const requests = await link.traffic.waitFor({ protocol: 'arp', dst: '198.18.0.1' }, { timeout: 5000 });
        expect(requests[0]?.arp?.operationName).toBe('request');
      } finally {
        session.close();
      }
    } finally {
      await dut.stop();
    }
    expect(await waitForCleanHost(dut.info.runId)).toEqual(nothingLeft);
  });
});
