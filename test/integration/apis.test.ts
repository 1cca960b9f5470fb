import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConsoleTimeoutError } from '../../src/console/console.ts';
import { login } from '../../src/console/login.ts';
import { ShellCommandError, type Shell } from '../../src/console/shell.ts';
import { startDut, type StartedDut } from '../../src/dut.ts';
import { TimeoutError } from '../../src/errors.ts';
import { QmpCommandError } from '../../src/qmp/client.ts';
import { DutSession } from '../../src/session.ts';
import { TrafficAssertionError } from '../../src/traffic/traffic.ts';
import { rabbitConfig } from '../helpers/rabbit.ts';

const tools = 'rabbit-tools:latest';
let dut: StartedDut;
let session: DutSession;
let shell: Shell;

beforeAll(async () => {
  dut = await startDut(rabbitConfig({ links: 2 }));
  session = await DutSession.connect(dut.info);
  shell = await login(session.console, { user: 'root', password: 'rabbit', prompt: 'rabbit# ' });
  await shell.runOk('ip addr add 198.18.0.1/24 dev eth0 && ip link set eth0 up && ip addr add 198.18.1.1/24 dev eth1 && ip link set eth1 up');
  await session.link(0).ip('addr', 'add', '198.18.0.2/24', 'dev', 'eth0');
});

afterAll(async () => {
  session?.close();
  await dut?.stop();
});

describe('console and shell on Rabbit', () => {
  it('runs commands and returns exit code and output', async () => {
    expect(await shell.run('echo one; echo two >&2; exit_code=5; (exit $exit_code)')).toEqual({
      command: 'echo one; echo two >&2; exit_code=5; (exit $exit_code)',
      exitCode: 5,
      output: 'one\ntwo\n',
    });
    expect(await shell.runOk('uname -n')).toBe('rabbit\n');
  });

  it('throws with output and exit code from runOk', async () => {
    const failure = shell.runOk('ls /no-such-dir');
    await expect(failure).rejects.toThrow(ShellCommandError);
    await expect(failure).rejects.toThrow(/exited with code 2: ls \/no-such-dir\nOutput:\n {4}\| ls: cannot access/);
  });

  it('keeps long command lines intact', async () => {
    const word = 'x'.repeat(900);
    expect(await shell.runOk(`echo ${word} | wc -c`)).toBe('901\n');
  });

  it('uploads files with quotes, dollars, backslashes and delimiter-like lines', async () => {
    const content = [
      "single ' and double \" quotes",
      '$HOME and $(date) and `id` stay literal',
      'back\\slash and tab\there',
      'EOF',
      'ALPY_EOF_123',
      'y'.repeat(3000),
    ].join('\n');
    const path = "/tmp/a file with spaces and 'quote'";
    await shell.upload(path, content, { mode: '600' });
    expect(await shell.runOk(`cat "${path}"`)).toBe(`${content}\n`);
    expect(await shell.runOk(`stat -c %a "${path}"`)).toBe('600\n');
  });

  it('rejects lines longer than the terminal line buffer', async () => {
    await expect(shell.upload('/tmp/long', 'z'.repeat(5000))).rejects.toThrow(/a line has 5000 bytes, but a terminal line in canonical mode takes at most 4095/);
  });

  it('names the pattern and the last lines when expect times out', async () => {
    await session.console.sendLine('echo marker-before-timeout');
    const failure = session.console.expect(/never-\d+/, { timeout: 1000 });
    await expect(failure).rejects.toThrow(ConsoleTimeoutError);
    await expect(failure).rejects.toThrow(/waiting on rabbit console for \/never-\\d\+\/[\s\S]*marker-before-timeout/);
    await session.console.expect('rabbit# ');
  });
});

describe('QMP on Rabbit', () => {
  it('reports status and rejects unknown devices', async () => {
    expect(await session.status()).toBe('running');
    const failure = session.qmp.execute('set_link', { name: 'no-such-netdev', up: false });
    await expect(failure).rejects.toThrow(QmpCommandError);
    await expect(failure).rejects.toMatchObject({ errorClass: 'DeviceNotFound' });
  });

  it('sets a link down and up', async () => {
    const link = session.link(0);
    // The loop runs in a subshell: exit in the login shell would log out.
    const waitForCarrier = (value: number): string =>
      `(for i in $(seq 50); do grep -q ${value} /sys/class/net/eth0/carrier && exit 0; sleep 0.1; done; exit 1)`;
    await link.setCarrier(false);
    try {
      await shell.runOk(waitForCarrier(0));
    } finally {
      await link.setCarrier(true);
    }
    await shell.runOk(waitForCarrier(1));
  });

  it('waits for an event with a timeout', async () => {
    await expect(session.qmp.waitForEvent('SHUTDOWN', { timeout: 200 })).rejects.toThrow(TimeoutError);
  });
});

describe('traffic assertions on a real link', () => {
  it('marks, waits for, counts and rejects frames', async () => {
    const traffic = session.traffic(0);
    const mark = await traffic.mark();
    const ping = await session.link(0).run(tools, 'ping -c 3 -i 0.2 -W 2 198.18.0.1');
    try {
      expect(await ping.wait()).toBe(0);
      const replies = await traffic.waitFor({ icmpType: 'echo reply', src: '198.18.0.1' }, { since: mark, count: 3, timeout: 5000 });
      expect(replies).toHaveLength(3);
      expect(replies[0]?.eth?.src).toBe(dut.info.links[0]!.mac);
      expect(await traffic.count({ protocol: 'icmp' }, { since: mark })).toBe(6);
      expect(await traffic.count({ protocol: 'tcp' }, { since: mark })).toBe(0);
      await traffic.expectNone({ protocol: 'tcp' }, { since: mark, settle: 100 });

      const unexpected = traffic.expectNone({ icmpType: 'echo request' }, { since: mark, settle: 0 });
      await expect(unexpected).rejects.toThrow(TrafficAssertionError);
      await expect(unexpected).rejects.toThrow(/found 3:\n1 {2}IP 198\.18\.0\.2 > 198\.18\.0\.1: ICMP echo request, id \d+, seq 1, length 64/);

      // tcpdump's filter language, for what a filter object cannot express.
      expect(await traffic.count('icmp[icmptype] == icmp-echoreply and src host 198.18.0.1', { since: mark })).toBe(3);
      const echoes = await traffic.frames('icmp and ip[8] == 64', { since: mark });
      expect(echoes.map((frame) => frame.icmp?.typeName)).toEqual(['echo request', 'echo reply', 'echo request', 'echo reply', 'echo request', 'echo reply']);
      await expect(traffic.count('icmp and bogus-word', { since: mark })).rejects.toThrow(/tcpdump rejected the filter "icmp and bogus-word": .*syntax error|tcpdump rejected the filter "icmp and bogus-word"/);

      const missing = traffic.waitFor({ protocol: 'udp', dstPort: 9 }, { since: mark, timeout: 300 });
      await expect(missing).rejects.toThrow(/waiting for 1 frame matching \{ protocol: "udp", dstPort: 9 \} on link 0; 0 matched. Frames seen:\n/);
    } finally {
      await ping.remove();
    }
  });

  it('counts only frames after a later mark', async () => {
    const traffic = session.traffic(0);
    const ping = await session.link(0).run(tools, 'ping -c 1 -W 2 198.18.0.1');
    await ping.wait();
    await ping.remove();
    const mark = await traffic.mark();
    expect(await traffic.count({ protocol: 'icmp' }, { since: mark })).toBe(0);
  });
});
