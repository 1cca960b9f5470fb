import { readFileSync, statSync } from 'node:fs';

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

  it('leaves nothing behind after stop', async () => {
    const { runId } = dut!.info;
    await dut!.stop();
    await dut!.stop();
    dut = undefined;
    expect(await waitForCleanHost(runId)).toEqual(nothingLeft);
  });
});
