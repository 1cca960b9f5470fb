import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';

import { AlpyError, TimeoutError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import {
  isEvent,
  isGreeting,
  isReply,
  QmpLineDecoder,
  type QmpCommands,
  type QmpErrorBody,
  type QmpEvent,
  type QmpGreeting,
  type QmpMessage,
  type QmpReply,
  type QmpRequest,
} from './protocol.ts';

/** QEMU rejected a command; `errorClass` is QMP's error class, e.g. `GenericError`. */
export class QmpCommandError extends AlpyError {
  override name = 'QmpCommandError';
  readonly errorClass: string;

  constructor(
    readonly command: string,
    error: QmpErrorBody,
  ) {
    super(`QMP command '${command}' failed: ${error.class}: ${error.desc}`);
    this.errorClass = error.class;
  }
}

/** The QMP connection closed, usually because QEMU exited. */
export class QmpClosedError extends AlpyError {
  override name = 'QmpClosedError';
}

/** Options of `QmpClient.execute`. */
export interface QmpExecuteOptions {
  /** Time limit for the reply in milliseconds. @default 30000 */
  timeout?: number;
}

/** Options of `QmpClient.waitForEvent`. */
export interface QmpWaitOptions {
  /** Time limit in milliseconds. @default 30000 */
  timeout?: number;
  /** Only events for which this returns true are accepted. */
  filter?: (event: QmpEvent) => boolean;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type CommandArgs<C extends keyof QmpCommands> = QmpCommands[C]['args'] extends undefined
  ? [args?: undefined, options?: QmpExecuteOptions]
  : [args: QmpCommands[C]['args'], options?: QmpExecuteOptions];

const defaultTimeout = 30_000;

/**
 * Client of one QMP connection: negotiates capabilities, sends commands with
 * ids and matches their replies, and emits `event` for each QMP event.
 *
 * When the connection closes, every command still waiting is rejected at once
 * with `QmpClosedError`, so a QEMU that exits never leaves a caller hanging.
 */
export class QmpClient extends EventEmitter<{ event: [QmpEvent]; close: [QmpClosedError] }> {
  private readonly decoder = new QmpLineDecoder();
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private closedError: QmpClosedError | undefined;
  private greetingWaiter: { resolve: (greeting: QmpGreeting) => void; reject: (error: Error) => void } | undefined;

  /** The greeting QEMU sent; set once `negotiate` resolved. */
  greeting: QmpGreeting | undefined;

  constructor(
    private readonly stream: Duplex,
    private readonly log: Logger = createLogger('qmp'),
  ) {
    super();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.onData(chunk));
    stream.on('error', (error) => this.onClose(error));
    stream.on('close', () => this.onClose());
  }

  /** Connects to the QMP unix socket at `path` and negotiates capabilities. */
  static async connect(path: string, options: { timeout?: number; log?: Logger } = {}): Promise<QmpClient> {
    const socket = net.createConnection(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new QmpClient(socket, options.log);
    try {
      await client.negotiate(options.timeout);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  /** Waits for the greeting and enters command mode with `qmp_capabilities`. */
  async negotiate(timeout = defaultTimeout): Promise<QmpGreeting> {
    const greeting =
      this.greeting ??
      (await new Promise<QmpGreeting>((resolve, reject) => {
        const timer = setTimeout(() => reject(new TimeoutError(`No QMP greeting within ${timeout} ms`)), timeout);
        this.greetingWaiter = {
          resolve: (value) => (clearTimeout(timer), resolve(value)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        if (this.closedError) {
          this.greetingWaiter.reject(this.closedError);
        }
      }));
    await this.execute('qmp_capabilities', undefined, { timeout });
    const { major, minor, micro } = greeting.QMP.version.qemu;
    this.log.debug(`connected to QEMU ${major}.${minor}.${micro}`);
    return greeting;
  }

  /** Sends a command and resolves with its `return` value, or rejects with `QmpCommandError`. */
  execute<C extends keyof QmpCommands>(command: C, ...rest: CommandArgs<C>): Promise<QmpCommands[C]['result']>;
  execute(command: string, args?: Record<string, unknown>, options?: QmpExecuteOptions): Promise<unknown>;
  execute(command: string, args?: Record<string, unknown>, options: QmpExecuteOptions = {}): Promise<unknown> {
    const request: QmpRequest = { execute: command };
    if (args !== undefined) {
      request.arguments = args;
    }
    return this.request(request, options.timeout ?? defaultTimeout).then((reply) => {
      if ('error' in reply) {
        throw new QmpCommandError(command, reply.error);
      }
      return reply.return;
    });
  }

  /**
   * Sends `request` as is but with an id of this client, and resolves with the
   * whole reply, error or not. The QMP proxy forwards its clients' commands this way.
   */
  request(request: QmpRequest, timeout = defaultTimeout): Promise<QmpReply> {
    if (this.closedError) {
      return Promise.reject(this.closedError);
    }
    const id = `alpy-${this.nextId++}`;
    const command = request.execute;
    return new Promise<QmpReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TimeoutError(`QMP command '${command}' got no reply within ${timeout} ms`));
      }, timeout);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      this.log.debug(`-> ${command} ${request.arguments ? JSON.stringify(request.arguments) : ''}`);
      this.stream.write(`${JSON.stringify({ ...request, id })}\n`);
    });
  }

  /**
   * Resolves with the next event named `names` (one name or several).
   * Only events that arrive after the call count, so start waiting before
   * triggering the event.
   */
  waitForEvent(names: string | string[], options: QmpWaitOptions = {}): Promise<QmpEvent> {
    const expectedNames = Array.isArray(names) ? names : [names];
    const timeout = options.timeout ?? defaultTimeout;
    if (this.closedError) {
      return Promise.reject(this.closedError);
    }
    return new Promise<QmpEvent>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('close', onClose);
      };
      const onEvent = (event: QmpEvent): void => {
        if (expectedNames.includes(event.event) && (options.filter?.(event) ?? true)) {
          cleanup();
          resolve(event);
        }
      };
      const onClose = (error: QmpClosedError): void => {
        cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new TimeoutError(`No QMP event ${expectedNames.join(' or ')} within ${timeout} ms`));
      }, timeout);
      this.on('event', onEvent);
      this.on('close', onClose);
    });
  }

  /** True once the connection closed. */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Closes the connection; commands still waiting are rejected. Safe to call twice. */
  close(): void {
    this.stream.destroy();
    this.onClose();
  }

  private onData(chunk: string): void {
    let messages: QmpMessage[];
    try {
      messages = this.decoder.push(chunk);
    } catch (error) {
      this.log.error('invalid QMP message, closing the connection', error);
      this.stream.destroy();
      this.onClose(error as Error);
      return;
    }
    for (const message of messages) {
      this.dispatch(message);
    }
  }

  private dispatch(message: QmpMessage): void {
    if (isGreeting(message)) {
      this.greeting = message;
      this.greetingWaiter?.resolve(message);
      this.greetingWaiter = undefined;
    } else if (isEvent(message)) {
      this.log.debug(`event ${message.event} ${message.data ? JSON.stringify(message.data) : ''}`);
      this.emit('event', message);
    } else if (isReply(message)) {
      this.settle(message);
    }
  }

  private settle(reply: QmpReply): void {
    const id = String(reply.id);
    const pending = this.pending.get(id);
    if (!pending) {
      this.log.warn(`QMP reply with unknown id ${id} ignored`);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    this.log.debug(`<- ${pending.command} ${'error' in reply ? `error ${reply.error.desc}` : 'ok'}`);
    pending.resolve(reply);
  }

  private onClose(cause?: Error): void {
    if (this.closedError) {
      return;
    }
    const detail = cause ? `: ${cause.message}` : '';
    this.closedError = new QmpClosedError(`QMP connection closed${detail} (did QEMU exit?)`, { cause });
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(
        new QmpClosedError(`QMP command '${pending.command}' failed: connection closed${detail} (did QEMU exit?)`, {
          cause,
        }),
      );
    }
    this.pending.clear();
    this.greetingWaiter?.reject(this.closedError);
    this.greetingWaiter = undefined;
    this.emit('close', this.closedError);
  }
}
