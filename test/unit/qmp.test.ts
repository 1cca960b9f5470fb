import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { QmpClient, QmpClosedError, QmpCommandError } from '../../src/qmp/client.ts';
import { QmpLineDecoder } from '../../src/qmp/protocol.ts';
import { QmpProxy } from '../../src/qmp/proxy.ts';
import { TimeoutError } from '../../src/errors.ts';
import { FakeQmpServer } from '../helpers/fake-qmp.ts';

describe('QmpLineDecoder', () => {
  it('splits messages across chunks', () => {
    const decoder = new QmpLineDecoder();
    expect(decoder.push('{"return": {}, "id"')).toEqual([]);
    expect(decoder.push(': 1}\r\n{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 0}}\r\n{"ret')).toEqual([
      { return: {}, id: 1 },
      { event: 'STOP', timestamp: { seconds: 1, microseconds: 0 } },
    ]);
    expect(decoder.push('urn": 5}\r\n')).toEqual([{ return: 5 }]);
  });

  it('skips blank lines', () => {
    expect(new QmpLineDecoder().push('\r\n\r\n{"return": {}}\r\n')).toEqual([{ return: {} }]);
  });

  it('throws on invalid JSON', () => {
    expect(() => new QmpLineDecoder().push('{oops}\n')).toThrow(SyntaxError);
  });
});

describe('QmpClient', () => {
  let folder: string;
  let server: FakeQmpServer;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'alpy-qmp-test-'));
    server = await FakeQmpServer.listen(path.join(folder, 'qmp.sock'));
  });

  afterEach(async () => {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('negotiates capabilities after the greeting', async () => {
    const client = await QmpClient.connect(server.path);
    expect(client.greeting?.QMP.version.qemu.major).toBe(7);
    expect(server.received[0]?.execute).toBe('qmp_capabilities');
    client.close();
  });

  it('returns command results matched by id', async () => {
    server.handle = (command) =>
      command.execute === 'query-status' ? { return: { running: false, status: 'prelaunch' } } : { return: { echo: command.arguments } };
    const client = await QmpClient.connect(server.path);
    const [status, echo] = await Promise.all([
      client.execute('query-status'),
      client.execute('custom', { value: 3 }),
    ]);
    expect(status).toEqual({ running: false, status: 'prelaunch' });
    expect(echo).toEqual({ echo: { value: 3 } });
    const ids = server.received.slice(1).map((command) => command.id);
    expect(new Set(ids).size).toBe(2);
    client.close();
  });

  it('rejects failed commands with the QMP error class', async () => {
    server.handle = () => ({ error: { class: 'DeviceNotFound', desc: "Device 'nope' not found" } });
    const client = await QmpClient.connect(server.path);
    const failure = client.execute('set_link', { name: 'nope', up: false });
    await expect(failure).rejects.toThrow(QmpCommandError);
    await expect(failure).rejects.toMatchObject({ errorClass: 'DeviceNotFound', command: 'set_link' });
    await expect(failure).rejects.toThrow("QMP command 'set_link' failed: DeviceNotFound: Device 'nope' not found");
    client.close();
  });

  it('rejects waiting commands at once when the connection drops', async () => {
    server.handle = () => 'silent';
    const client = await QmpClient.connect(server.path);
    const started = Date.now();
    const pending = client.execute('cont', undefined, { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.dropClients();
    await expect(pending).rejects.toThrow(QmpClosedError);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(client.execute('cont')).rejects.toThrow(QmpClosedError);
  });

  it('times out a command without reply', async () => {
    server.handle = () => 'silent';
    const client = await QmpClient.connect(server.path);
    await expect(client.execute('cont', undefined, { timeout: 100 })).rejects.toThrow(
      "QMP command 'cont' got no reply within 100 ms",
    );
    client.close();
  });

  it('waits for a named event and filters on its data', async () => {
    const client = await QmpClient.connect(server.path);
    const waiting = client.waitForEvent(['SHUTDOWN', 'RESET'], { filter: (event) => event.data?.guest === true });
    server.emitEvent('STOP');
    server.emitEvent('SHUTDOWN', { guest: false });
    server.emitEvent('SHUTDOWN', { guest: true, reason: 'guest-shutdown' });
    const event = await waiting;
    expect(event.event).toBe('SHUTDOWN');
    expect(event.data).toEqual({ guest: true, reason: 'guest-shutdown' });
    client.close();
  });

  it('times out waiting for an event', async () => {
    const client = await QmpClient.connect(server.path);
    const waiting = client.waitForEvent('STOP', { timeout: 50 });
    await expect(waiting).rejects.toThrow(TimeoutError);
    await expect(waiting).rejects.toThrow('No QMP event STOP within 50 ms');
    client.close();
  });

  it('rejects an event wait when the connection drops', async () => {
    const client = await QmpClient.connect(server.path);
    const waiting = client.waitForEvent('STOP', { timeout: 10_000 });
    server.dropClients();
    await expect(waiting).rejects.toThrow(QmpClosedError);
  });

  it('fails negotiation when the stream closes before the greeting', async () => {
    const stream = new PassThrough();
    const client = new QmpClient(stream);
    const negotiation = client.negotiate(5000);
    stream.destroy();
    await expect(negotiation).rejects.toThrow(QmpClosedError);
  });
});

describe('QmpProxy', () => {
  let folder: string;
  let server: FakeQmpServer;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'alpy-qmp-proxy-test-'));
    server = await FakeQmpServer.listen(path.join(folder, 'qemu.sock'));
  });

  afterEach(async () => {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('forwards commands of several clients and keeps their ids', async () => {
    server.handle = (command) => ({ return: { name: command.execute } });
    const upstream = await QmpClient.connect(server.path);
    const proxy = await QmpProxy.listen(path.join(folder, 'proxy.sock'), upstream);
    const first = await QmpClient.connect(proxy.path);
    const second = await QmpClient.connect(proxy.path);

    expect(first.greeting).toEqual(upstream.greeting);
    await expect(first.execute('query-name')).resolves.toEqual({ name: 'query-name' });
    await expect(second.execute('stop')).resolves.toEqual({ name: 'stop' });
    // The proxy replies to its clients' qmp_capabilities itself and does not send it to QEMU again.
    expect(server.received.map((command) => command.execute)).toEqual(['qmp_capabilities', 'query-name', 'stop']);

    first.close();
    second.close();
    await proxy.close();
    upstream.close();
  });

  it('sends events to every client', async () => {
    const upstream = await QmpClient.connect(server.path);
    const proxy = await QmpProxy.listen(path.join(folder, 'proxy.sock'), upstream);
    const clients = await Promise.all([QmpClient.connect(proxy.path), QmpClient.connect(proxy.path)]);
    const waits = clients.map((client) => client.waitForEvent('RESET', { timeout: 2000 }));
    server.emitEvent('RESET', { guest: true });
    for (const event of await Promise.all(waits)) {
      expect(event.data).toEqual({ guest: true });
    }
    clients.forEach((client) => client.close());
    await proxy.close();
    upstream.close();
  });

  it('passes command errors through', async () => {
    server.handle = () => ({ error: { class: 'GenericError', desc: 'bad' } });
    const upstream = await QmpClient.connect(server.path);
    const proxy = await QmpProxy.listen(path.join(folder, 'proxy.sock'), upstream);
    const client = await QmpClient.connect(proxy.path);
    await expect(client.execute('cont')).rejects.toMatchObject({ errorClass: 'GenericError' });
    client.close();
    await proxy.close();
    upstream.close();
  });

  it('disconnects clients when QEMU goes away', async () => {
    server.handle = () => 'silent';
    const upstream = await QmpClient.connect(server.path);
    const proxy = await QmpProxy.listen(path.join(folder, 'proxy.sock'), upstream);
    const client = await QmpClient.connect(proxy.path);
    const pending = client.execute('cont', undefined, { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.dropClients();
    await expect(pending).rejects.toThrow(/closed|connection/);
    await proxy.close();
  });
});
