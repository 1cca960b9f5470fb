import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { resolveDutConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { buildQemuArgs, planLinks, tapName } from '../../src/qemu/args.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'alpy-config-test-'));
const kernel = path.join(folder, 'vmlinuz');
writeFileSync(kernel, 'kernel');

afterAll(() => rmSync(folder, { recursive: true, force: true }));

afterEach(() => {
  delete process.env.ALPY_ACCEL;
});

async function problemsOf(input: unknown): Promise<string[]> {
  try {
    await resolveDutConfig(input, folder);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('resolveDutConfig accepted the config');
}

describe('resolveDutConfig', () => {
  it('fills in defaults and makes paths absolute', async () => {
    const config = await resolveDutConfig({ kernel: 'vmlinuz', links: 2 }, folder);
    expect(config).toMatchObject({
      kernel,
      append: 'console=ttyS0',
      links: 2,
      nic: 'virtio',
      memory: 256,
      cpus: 1,
      accel: 'tcg',
      machine: 'q35',
      qemu: 'qemu-system-x86_64',
      boot: { expect: undefined, timeout: 120_000 },
      outputDir: path.join(folder, 'alpy-output'),
    });
  });

  it('reports every problem at once', async () => {
    const problems = await problemsOf({
      kernel: 42,
      links: 'two',
      nic: 'ne2000',
      accel: 'hvf',
      memory: 1.5,
      qemuArgs: '-snapshot',
      boot: { expect: 5, delay: 1 },
      colour: 'blue',
    });
    expect(problems).toEqual([
      'colour: unknown key; known keys are name, kernel, initrd, append, disk, diskFormat, links, nic, memory, cpus, accel, machine, qemu, qemuArgs, boot, capture, outputDir, nodeImage',
      'kernel: expected a non-empty string, got 42',
      'links: expected an integer from 0 to 64, got "two"',
      "nic: expected one of 'virtio', 'e1000', 'e1000e', 'rtl8139', got \"ne2000\"",
      'memory: expected an integer from 16 to 1048576, got 1.5',
      "accel: expected one of 'tcg', 'kvm', got \"hvf\"",
      'qemuArgs: expected an array of strings, got "-snapshot"',
      'boot.delay: unknown key; known keys are expect, timeout',
      'boot.expect: expected a non-empty string or a RegExp, got 5',
    ]);
  });

  it('suggests the key a typo meant', async () => {
    expect(await problemsOf({ kernal: 'vmlinuz', kernel: 'vmlinuz', links: 1, boot: { timout: 5 } })).toEqual([
      'kernal: unknown key (did you mean kernel?); known keys are name, kernel, initrd, append, disk, diskFormat, links, nic, memory, cpus, accel, machine, qemu, qemuArgs, boot, capture, outputDir, nodeImage',
      'boot.timout: unknown key (did you mean timeout?); known keys are expect, timeout',
    ]);
  });

  it('names nested keys by their full path', async () => {
    expect(await problemsOf({ kernel: 'vmlinuz', links: 1, capture: { snaplen: -1 }, boot: { timeout: 0 } })).toEqual([
      'boot.timeout: expected an integer from 1 to 86400000, got 0',
      'capture.snaplen: expected an integer from 0 to 262144, got -1',
    ]);
  });

  it('reports an invalid kernel once', async () => {
    expect(await problemsOf({ kernel: 42, initrd: 'vmlinuz', links: 1 })).toEqual(['kernel: expected a non-empty string, got 42']);
  });

  it('requires links and a kernel or disk', async () => {
    expect(await problemsOf({})).toEqual([
      'links: missing; set the number of network links of the DUT, from 0 to 64',
      'kernel or disk: missing; set kernel (with optional initrd and append) or disk, or both',
    ]);
  });

  it('names missing and unreadable files with the fix', async () => {
    const problems = await problemsOf({ kernel: 'missing-kernel', initrd: folder, links: 1 });
    expect(problems).toEqual([
      `kernel: ${path.join(folder, 'missing-kernel')} does not exist; build it or fix the path (relative paths start at the Vitest root)`,
      `initrd: ${folder} is not a regular file`,
    ]);
  });

  it('rejects initrd without kernel', async () => {
    writeFileSync(path.join(folder, 'disk.img'), '');
    expect(await problemsOf({ disk: 'disk.img', initrd: 'vmlinuz', links: 1 })).toEqual([
      'initrd and append: need kernel; QEMU passes them only together with -kernel',
    ]);
  });

  it('rejects a config that is not an object', async () => {
    expect((await problemsOf(undefined))[0]).toMatch(/^environmentOptions.alpy: expected an object describing the DUT/);
  });

  it('lets ALPY_ACCEL override accel and checks it', async () => {
    process.env.ALPY_ACCEL = 'kvm';
    expect((await resolveDutConfig({ kernel, links: 0, accel: 'tcg' }, folder)).accel).toBe('kvm');
    process.env.ALPY_ACCEL = 'whpx';
    expect(await problemsOf({ kernel, links: 0 })).toEqual([
      "ALPY_ACCEL (environment variable): expected one of 'tcg', 'kvm', got \"whpx\"",
    ]);
  });

  it.skipIf(process.getuid?.() === 0)('names an unreadable file', async () => {
    const secret = path.join(folder, 'secret');
    writeFileSync(secret, '');
    chmodSync(secret, 0);
    expect((await problemsOf({ kernel: secret, links: 0 }))[0]).toMatch(/is not readable \(EACCES\)/);
  });
});

describe('buildQemuArgs', () => {
  it('starts paused with sockets, tap netdevs without vnet_hdr and one capture per link', async () => {
    const config = await resolveDutConfig({ kernel, links: 2, nic: 'e1000', capture: { snaplen: 128 }, qemuArgs: ['-smbios', 'type=0'] }, folder);
    const links = planLinks(config, 'abc123', '/out/run');
    const args = buildQemuArgs(config, 'abc123', links, { qmpSocket: '/s/qmp', consoleSocket: '/s/console', pidFile: '/s/pid' });
    const line = args.join(' ');
    expect(args[0]).toBe('-name');
    expect(args).toContain('-S');
    expect(line).toContain('-machine q35,accel=tcg');
    expect(line).toContain('-chardev socket,id=qmp,path=/s/qmp,server=on,wait=off');
    expect(line).toContain('-netdev tap,id=link1,ifname=alpyabc123t1,script=no,downscript=no,vnet_hdr=off');
    expect(line).toContain('-device e1000,netdev=link1,mac=52:54:00:a1:00:01');
    expect(line).toContain('-object filter-dump,id=dump0,netdev=link0,file=/out/run/link0.pcap,maxlen=128');
    expect(args.slice(-2)).toEqual(['-smbios', 'type=0']);
  });

  it('keeps tap names within 15 characters', () => {
    expect(tapName('abcdef', 63).length).toBeLessThanOrEqual(15);
  });

  it('escapes commas in file names', async () => {
    const odd = path.join(folder, 'a,b.img');
    writeFileSync(odd, '');
    const config = await resolveDutConfig({ disk: odd, links: 0 }, folder);
    const args = buildQemuArgs(config, 'abc123', [], { qmpSocket: 'q', consoleSocket: 'c', pidFile: 'p' });
    expect(args).toContain(`file=${path.join(folder, 'a,,b.img')},if=virtio,format=raw,snapshot=on`);
  });
});
