/** Messages of the QEMU Machine Protocol (QMP), as sent as JSON lines by QEMU. */

/** The first message QEMU sends on a new QMP connection. */
export interface QmpGreeting {
  QMP: {
    version: { qemu: { major: number; minor: number; micro: number }; package: string };
    capabilities: string[];
  };
}

/** An asynchronous event, such as `STOP`, `SHUTDOWN` or `NIC_RX_FILTER_CHANGED`. */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

/** The `error` member of a failed command's reply. */
export interface QmpErrorBody {
  class: string;
  desc: string;
}

export type QmpId = string | number;

export type QmpReply = { return: unknown; id?: QmpId } | { error: QmpErrorBody; id?: QmpId };

export type QmpMessage = QmpGreeting | QmpEvent | QmpReply;

/** A command request. */
export interface QmpRequest {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: QmpId;
}

/**
 * Commands with known arguments and results; others go through the untyped
 * overload of `QmpClient.execute`. See QEMU's QMP reference for each.
 */
export interface QmpCommands {
  qmp_capabilities: { args: undefined; result: Record<string, never> };
  cont: { args: undefined; result: Record<string, never> };
  stop: { args: undefined; result: Record<string, never> };
  quit: { args: undefined; result: Record<string, never> };
  system_powerdown: { args: undefined; result: Record<string, never> };
  system_reset: { args: undefined; result: Record<string, never> };
  set_link: { args: { name: string; up: boolean }; result: Record<string, never> };
  'query-status': { args: undefined; result: { running: boolean; status: string; singlestep?: boolean } };
  'query-name': { args: undefined; result: { name?: string } };
  'query-version': { args: undefined; result: QmpGreeting['QMP']['version'] };
  'human-monitor-command': { args: { 'command-line': string }; result: string };
}

export function isGreeting(message: QmpMessage): message is QmpGreeting {
  return 'QMP' in message;
}

export function isEvent(message: QmpMessage): message is QmpEvent {
  return 'event' in message;
}

export function isReply(message: QmpMessage): message is QmpReply {
  return 'return' in message || 'error' in message;
}

/**
 * Splits a QMP byte stream into messages. QEMU ends each message with CRLF;
 * a chunk may hold several messages or part of one.
 */
export class QmpLineDecoder {
  private pending = '';

  /** Appends `chunk` and returns the complete messages it finished. */
  push(chunk: string): QmpMessage[] {
    this.pending += chunk;
    const messages: QmpMessage[] = [];
    let newline = this.pending.indexOf('\n');
    while (newline !== -1) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line !== '') {
        messages.push(JSON.parse(line) as QmpMessage);
      }
      newline = this.pending.indexOf('\n');
    }
    return messages;
  }
}
