import net from 'node:net';

/** A command received by the fake QMP server. */
export interface ReceivedCommand {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: string | number;
}

/** Reply to a command: a `return` value, an error, or nothing (the server stays silent). */
export type FakeReply = { return: unknown } | { error: { class: string; desc: string } } | 'silent';

/**
 * A QMP server on a unix socket that speaks like QEMU: greeting, CRLF-ended
 * JSON lines, replies with the request's id. `handle` decides each reply.
 */
export class FakeQmpServer {
  readonly received: ReceivedCommand[] = [];
  readonly sockets = new Set<net.Socket>();
  handle: (command: ReceivedCommand) => FakeReply = () => ({ return: {} });

  private constructor(
    private readonly server: net.Server,
    readonly path: string,
  ) {}

  static async listen(path: string): Promise<FakeQmpServer> {
    const server = net.createServer();
    const fake = new FakeQmpServer(server, path);
    server.on('connection', (socket) => fake.accept(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return fake;
  }

  /** Sends `event` to every client, as QEMU does for asynchronous events. */
  emitEvent(event: string, data?: Record<string, unknown>): void {
    const message = { event, data, timestamp: { seconds: 1, microseconds: 2 } };
    for (const socket of this.sockets) {
      socket.write(`${JSON.stringify(message)}\r\n`);
    }
  }

  /** Closes every client connection, as QEMU does when it exits. */
  dropClients(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.write('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": ["oob"]}}\r\n');
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const command = JSON.parse(pending.slice(0, newline)) as ReceivedCommand;
        pending = pending.slice(newline + 1);
        this.received.push(command);
        const reply = command.execute === 'qmp_capabilities' ? { return: {} } : this.handle(command);
        if (reply !== 'silent') {
          socket.write(`${JSON.stringify({ ...reply, id: command.id })}\r\n`);
        }
        newline = pending.indexOf('\n');
      }
    });
  }
}
