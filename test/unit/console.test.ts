import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex, PassThrough } from 'node:stream';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Console, ConsoleClosedError, ConsoleTimeoutError } from '../../src/console/console.ts';
import { escapeBytes, stripAnsi } from '../../src/console/escape.ts';
import { ConsoleMux } from '../../src/console/mux.ts';
import { ConsoleTranscript } from '../../src/console/transcript.ts';

/** A fake serial line: `dut` is what the DUT writes, `written` collects what the console sends. */
function fakeLine(): { stream: Duplex; dut: PassThrough; written: () => string } {
  const dut = new PassThrough();
  const chunks: Buffer[] = [];
  const stream = Duplex.from({ readable: dut, writable: new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk)) });
  return { stream, dut, written: () => Buffer.concat(chunks).toString() };
}

describe('Console.expect', () => {
  it('matches a string and returns the text before it', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    line.dut.write('Booting...\r\nrabbit login: ');
    const match = await console.expect('login: ');
    expect(match.match).toBe('login: ');
    expect(match.before).toBe('Booting...\r\nrabbit ');
    expect(match.index).toBe(0);
  });

  it('keeps output that arrived between expects', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    line.dut.write('first\r\nsecond\r\n');
    await console.expect('first');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const match = await console.expect('second');
    expect(match.before).toBe('\r\n');
  });

  it('matches a regular expression with groups', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    setTimeout(() => line.dut.write('rc=4'), 10);
    setTimeout(() => line.dut.write('2 done\r\n'), 30);
    const match = await console.expect(/rc=(?<code>\d+) done/);
    expect(match.groups).toEqual(['42']);
    expect(match.namedGroups.code).toBe('42');
  });

  it('picks the earliest match of several patterns', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    line.dut.write('Password: Login incorrect\r\nlogin: ');
    const match = await console.expect(['login: ', 'incorrect', /Password: /]);
    expect(match.index).toBe(2);
    const next = await console.expect(['login: ', 'incorrect']);
    expect(next.index).toBe(1);
  });

  it('ignores the global flag of a regular expression', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    const pattern = /ok/g;
    line.dut.write('ok ok');
    await console.expect(pattern);
    await console.expect(pattern);
  });

  it('strips ANSI sequences split across chunks', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    line.dut.write('\x1b[?20');
    await new Promise((resolve) => setTimeout(resolve, 10));
    line.dut.write('04hrabbit# ');
    const match = await console.expect('rabbit# ');
    expect(match.before).toBe('');
  });

  it('names the pattern, the limit and the last lines on timeout', async () => {
    const line = fakeLine();
    const console = new Console(line.stream, { name: 'dut console' });
    line.dut.write('line one\r\nline two\r\n');
    const failure = console.expect(['never', /nor this/], { timeout: 50 });
    await expect(failure).rejects.toThrow(ConsoleTimeoutError);
    await expect(failure).rejects.toThrow(/Timed out after 50 ms waiting on dut console for "never" or \/nor this\//);
    await expect(failure).rejects.toThrow(/\| line one\n {4}\| line two/);
  });

  it('fails at once when the stream ends', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    const started = Date.now();
    const failure = console.expect('login:', { timeout: 10_000 });
    line.dut.end('Kernel panic\r\n');
    await expect(failure).rejects.toThrow(ConsoleClosedError);
    await expect(failure).rejects.toThrow(/Kernel panic/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects a second expect while one waits', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    const first = console.expect('a', { timeout: 100 });
    await expect(console.expect('b')).rejects.toThrow(/another expect is still waiting/);
    await expect(first).rejects.toThrow(ConsoleTimeoutError);
  });

  it('sends lines with a carriage return', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    await console.sendLine('root');
    await console.send('x');
    expect(line.written()).toBe('root\rx');
  });

  it('decodes UTF-8 split across chunks', async () => {
    const line = fakeLine();
    const console = new Console(line.stream);
    const bytes = Buffer.from('été');
    line.dut.write(bytes.subarray(0, 1));
    line.dut.write(bytes.subarray(1));
    await console.expect('été');
  });
});

describe('escapeBytes and stripAnsi', () => {
  it('escapes control bytes and backslashes', () => {
    expect(escapeBytes(Buffer.from('a\r\n\t\x1b[0m\\\x00\xff', 'latin1'))).toBe('a\\r\\n\\t\\e[0m\\\\\\x00\\xff');
  });

  it('removes CSI, OSC and two-byte sequences', () => {
    expect(stripAnsi('\x1b[?2004hroot\x1b[0m\x1b]0;title\x07# \x1bM')).toBe('root# ');
  });
});

describe('ConsoleTranscript and ConsoleMux', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'alpy-console-test-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('logs raw output and escaped text with direction marks', async () => {
    const transcript = new ConsoleTranscript(path.join(folder, 'console.raw'), path.join(folder, 'console.log'));
    transcript.record('<', Buffer.from('login: '));
    transcript.record('>', Buffer.from('root\r'), 'client-1');
    transcript.record('<', Buffer.from('root\r\n\x1b[1m# '));
    transcript.close();
    transcript.close();
    expect(await readFile(path.join(folder, 'console.raw'), 'utf8')).toBe('login: root\r\n\x1b[1m# ');
    const lines = (await readFile(path.join(folder, 'console.log'), 'utf8')).split('\n').slice(0, -1);
    expect(lines.map((text) => text.replace(/^\S+ /, ''))).toEqual([
      '< login: ',
      '> client-1 root\\r',
      '< root\\r\\n',
      '< \\e[1m# ',
    ]);
  });

  it('shares one console among clients and records their input', async () => {
    const dutSide = net.createServer();
    const qemuPath = path.join(folder, 'qemu-console.sock');
    await new Promise<void>((resolve) => dutSide.listen(qemuPath, resolve));
    const dutSocket = new Promise<net.Socket>((resolve) => dutSide.once('connection', resolve));
    const transcript = new ConsoleTranscript(path.join(folder, 'console.raw'), path.join(folder, 'console.log'));
    const mux = await ConsoleMux.connect(qemuPath, transcript);
    const dut = await dutSocket;
    const received: string[] = [];
    dut.on('data', (chunk) => received.push(chunk.toString()));

    await mux.listen(path.join(folder, 'mux.sock'));
    const first = await Console.connect(path.join(folder, 'mux.sock'));
    const second = new Console(mux.attach('local'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    dut.write('rabbit login: ');
    await first.expect('login: ');
    await second.expect('login: ');
    await first.sendLine('root');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.join('')).toBe('root\r');

    first.close();
    await mux.close();
    transcript.close();
    dutSide.close();
    const log = await readFile(path.join(folder, 'console.log'), 'utf8');
    expect(log).toMatch(/ < rabbit login: \n/);
    expect(log).toMatch(/ > client-\d+ root\\r\n/);
  });
});
