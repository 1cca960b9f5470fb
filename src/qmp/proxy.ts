import net from 'node:net';

import { createLogger } from '../log.ts';
import type { QmpClient } from './client.ts';
import { QmpLineDecoder, type QmpEvent, type QmpRequest } from './protocol.ts';

const log = createLogger('qmp');

/**
 * Unix-socket server that shares one QMP connection among many clients.
 *
 * QEMU's QMP socket accepts one client at a time, but test files run in
 * several Vitest workers. Each proxy client gets QEMU's greeting, negotiates
 * as with QEMU, has its commands forwarded with their ids kept, and receives
 * every event.
 */
export class QmpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly onEvent = (event: QmpEvent): void => this.broadcast(event);

  private constructor(
    private readonly server: net.Server,
    private readonly upstream: QmpClient,
    readonly path: string,
  ) {
    upstream.on('event', this.onEvent);
    upstream.on('close', () => this.closeClients());
  }

  /** Starts listening on `path` and forwards to `upstream`, which must be negotiated. */
  static async listen(path: string, upstream: QmpClient): Promise<QmpProxy> {
    const server = net.createServer();
    const proxy = new QmpProxy(server, upstream, path);
    server.on('connection', (socket) => proxy.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    return proxy;
  }

  /** Stops listening and disconnects every client. Safe to call twice. */
  async close(): Promise<void> {
    this.upstream.off('event', this.onEvent);
    this.closeClients();
    if (this.server.listening) {
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }

  private serve(socket: net.Socket): void {
    const decoder = new QmpLineDecoder();
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (error) => log.debug(`proxy client error: ${error.message}`));
    socket.write(`${JSON.stringify(this.upstream.greeting)}\r\n`);
    socket.on('data', (chunk: string) => {
      let requests: QmpRequest[];
      try {
        requests = decoder.push(chunk) as unknown as QmpRequest[];
      } catch (error) {
        socket.write(`${JSON.stringify({ error: { class: 'GenericError', desc: `invalid JSON: ${String(error)}` } })}\r\n`);
        return;
      }
      for (const request of requests) {
        void this.forward(socket, request);
      }
    });
  }

  private async forward(socket: net.Socket, request: QmpRequest): Promise<void> {
    const id = request.id;
    const reply =
      request.execute === 'qmp_capabilities'
        ? { return: {} }
        : await this.upstream.request({ execute: request.execute, arguments: request.arguments }).catch((error: Error) => ({
            error: { class: 'GenericError', desc: error.message },
          }));
    if (!socket.destroyed) {
      socket.write(`${JSON.stringify(id === undefined ? reply : { ...reply, id })}\r\n`);
    }
  }

  private broadcast(event: QmpEvent): void {
    const line = `${JSON.stringify(event)}\r\n`;
    for (const socket of this.sockets) {
      socket.write(line);
    }
  }

  private closeClients(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }
}
