import net from 'node:net';
import { Duplex } from 'node:stream';

import { createLogger } from '../log.ts';
import { escapeBytes } from './escape.ts';
import type { ConsoleTranscript } from './transcript.ts';

const log = createLogger('console');

/**
 * Shares QEMU's serial console among several readers and writers.
 *
 * QEMU's console socket accepts one client at a time. The mux keeps that
 * connection for the whole run, records every byte in the transcript, sends
 * the DUT's output to every attached client, and forwards their input. Test
 * files in Vitest workers attach through the mux's own unix socket; code in
 * the same process attaches with `attach`.
 */
export class ConsoleMux {
  private readonly clients = new Set<Duplex>();
  private server: net.Server | undefined;
  private nextClient = 1;

  constructor(
    private readonly upstream: net.Socket,
    private readonly transcript: ConsoleTranscript,
  ) {
    upstream.on('data', (chunk: Buffer) => {
      transcript.record('<', chunk);
      log.debug(`< ${escapeBytes(chunk)}`);
      for (const client of this.clients) {
        client.push(chunk);
      }
    });
    upstream.on('close', () => {
      log.debug('console connection to QEMU closed');
      for (const client of this.clients) {
        client.push(null);
        client.destroy();
      }
      this.clients.clear();
    });
    upstream.on('error', (error) => log.debug(`console connection error: ${error.message}`));
  }

  /** Connects to QEMU's console socket at `path`. */
  static async connect(path: string, transcript: ConsoleTranscript): Promise<ConsoleMux> {
    const socket = net.createConnection(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new ConsoleMux(socket, transcript);
  }

  /** Returns a stream that reads the DUT's output from now on and writes to the DUT as `source`. */
  attach(source = `local-${this.nextClient++}`): Duplex {
    const client: Duplex = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, callback) => {
        this.transcript.record('>', chunk, source);
        log.debug(`> ${source} ${escapeBytes(chunk)}`);
        this.upstream.write(chunk, callback);
      },
      destroy: (error, callback) => {
        this.clients.delete(client);
        callback(error);
      },
    });
    this.clients.add(client);
    return client;
  }

  /** Serves attachments on the unix socket `path`, one per connection. */
  async listen(path: string): Promise<void> {
    const server = net.createServer((socket) => {
      const client = this.attach(`client-${this.nextClient++}`);
      socket.pipe(client);
      client.pipe(socket);
      socket.on('close', () => client.destroy());
      socket.on('error', (error) => log.debug(`console client error: ${error.message}`));
      client.on('close', () => socket.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
  }

  /** Stops serving, detaches every client and closes the connection to QEMU. Safe to call twice. */
  async close(): Promise<void> {
    for (const client of this.clients) {
      client.destroy();
    }
    this.clients.clear();
    this.upstream.destroy();
    const server = this.server;
    this.server = undefined;
    if (server?.listening) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
