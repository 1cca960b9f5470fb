import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

import { AlpyError, lastLines, TimeoutError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { stripAnsi } from './escape.ts';

/** Pattern that `Console.expect` waits for: a substring or a regular expression. */
export type Pattern = string | RegExp;

/** The outcome of a successful `Console.expect`. */
export interface ExpectMatch {
  /** Index of the pattern that matched, in the list given to `expect`. */
  index: number;
  /** The pattern that matched. */
  pattern: Pattern;
  /** The matched text. */
  match: string;
  /** Capture groups of a regular expression; empty for a string pattern. */
  groups: (string | undefined)[];
  /** Named capture groups of a regular expression. */
  namedGroups: Record<string, string | undefined>;
  /** Output between the end of the previous match and this one. */
  before: string;
}

/** Options of `Console.expect`. */
export interface ExpectOptions {
  /** Time limit in milliseconds. @default the console's `defaultTimeout` */
  timeout?: number;
}

/** Options of a `Console`. */
export interface ConsoleOptions {
  /** Name used in logs and error messages. @default 'console' */
  name?: string;
  /** Time limit of `expect` in milliseconds when none is given. @default 30000 */
  defaultTimeout?: number;
  /** Remove ANSI escape sequences before matching. @default true */
  stripAnsi?: boolean;
  /** Text sent by `sendLine` after the line; a serial terminal's Enter key sends CR. @default '\r' */
  lineEnding?: string;
}

/** `Console.expect` did not see its pattern in time. */
export class ConsoleTimeoutError extends TimeoutError {
  override name = 'ConsoleTimeoutError';
}

/** The console stream ended, usually because QEMU exited. */
export class ConsoleClosedError extends AlpyError {
  override name = 'ConsoleClosedError';
}

const historyLimit = 64 * 1024;
const log = createLogger('console');

/**
 * Expect-style driver of a serial console.
 *
 * Output is read in the background from construction on and kept until a
 * match consumes it, so nothing is lost between two `expect` calls.
 */
export class Console extends EventEmitter<{ data: [string]; close: [] }> {
  readonly name: string;
  readonly defaultTimeout: number;
  private readonly strip: boolean;
  private readonly lineEnding: string;
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private carry = '';
  private history = '';
  private ended = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly stream: Duplex,
    options: ConsoleOptions = {},
  ) {
    super();
    this.name = options.name ?? 'console';
    this.defaultTimeout = options.defaultTimeout ?? 30_000;
    this.strip = options.stripAnsi ?? true;
    this.lineEnding = options.lineEnding ?? '\r';
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('close', () => this.onEnd());
    stream.on('end', () => this.onEnd());
    stream.on('error', (error) => {
      log.debug(`${this.name}: stream error: ${error.message}`);
      this.onEnd();
    });
  }

  /** Connects to a console unix socket at `path`. */
  static async connect(path: string, options: ConsoleOptions = {}): Promise<Console> {
    const socket = net.createConnection(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Console(socket, options);
  }

  /**
   * Waits until the output contains one of `patterns` and consumes the output
   * up to the end of the earliest match.
   */
  async expect(patterns: Pattern | Pattern[], options: ExpectOptions = {}): Promise<ExpectMatch> {
    const list = Array.isArray(patterns) ? patterns : [patterns];
    if (list.length === 0) {
      throw new AlpyError('Console.expect needs at least one pattern');
    }
    if (this.waiter) {
      throw new AlpyError(`${this.name}: another expect is still waiting; await it before starting the next`);
    }
    const timeout = options.timeout ?? this.defaultTimeout;
    const started = Date.now();

    for (;;) {
      const found = this.search(list);
      if (found) {
        return found;
      }
      if (this.ended) {
        throw new ConsoleClosedError(
          `${this.name} closed while waiting for ${describePatterns(list)} (did QEMU exit?). Last console lines:\n${this.tail()}`,
        );
      }
      const remaining = timeout - (Date.now() - started);
      if (remaining <= 0 || !(await this.nextData(remaining))) {
        throw new ConsoleTimeoutError(
          `Timed out after ${timeout} ms waiting on ${this.name} for ${describePatterns(list)}. Last console lines:\n${this.tail()}`,
        );
      }
    }
  }

  /** Sends `text` as is. */
  async send(text: string): Promise<void> {
    if (this.ended) {
      throw new ConsoleClosedError(`${this.name} is closed; cannot send ${JSON.stringify(text)}`);
    }
    await new Promise<void>((resolve, reject) => this.stream.write(text, (error) => (error ? reject(error) : resolve())));
  }

  /** Sends `text` followed by the line ending (Enter). */
  sendLine(text = ''): Promise<void> {
    return this.send(text + this.lineEnding);
  }

  /** Drops output not yet consumed by a match and returns it. */
  clear(): string {
    const dropped = this.buffer;
    this.buffer = '';
    return dropped;
  }

  /** Returns the last `count` lines of output received, indented for error messages. */
  tail(count = 10): string {
    return lastLines(stripAnsi(this.history), count);
  }

  /** True once the stream ended. */
  get closed(): boolean {
    return this.ended;
  }

  /** Closes the stream. Safe to call twice. */
  close(): void {
    this.stream.destroy();
    this.onEnd();
  }

  private search(patterns: Pattern[]): ExpectMatch | undefined {
    let best: ExpectMatch | undefined;
    let bestEnd = Infinity;
    let bestStart = Infinity;
    patterns.forEach((pattern, index) => {
      const found = findPattern(this.buffer, pattern);
      if (found && (found.start < bestStart || (found.start === bestStart && found.end < bestEnd))) {
        bestStart = found.start;
        bestEnd = found.end;
        best = {
          index,
          pattern,
          match: this.buffer.slice(found.start, found.end),
          groups: found.groups,
          namedGroups: found.namedGroups,
          before: this.buffer.slice(0, found.start),
        };
      }
    });
    if (best) {
      this.buffer = this.buffer.slice(bestEnd);
    }
    return best;
  }

  private nextData(timeout: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, timeout);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(true);
      };
    });
  }

  private onData(chunk: Buffer): void {
    let text = this.carry + this.decoder.write(chunk);
    this.carry = '';
    if (this.strip) {
      [text, this.carry] = splitIncompleteEscape(text);
      text = stripAnsi(text);
    }
    this.buffer += text;
    this.history = (this.history + text).slice(-historyLimit);
    this.emit('data', text);
    this.waiter?.();
  }

  private onEnd(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.emit('close');
    this.waiter?.();
  }
}

interface Found {
  start: number;
  end: number;
  groups: (string | undefined)[];
  namedGroups: Record<string, string | undefined>;
}

function findPattern(text: string, pattern: Pattern): Found | undefined {
  if (typeof pattern === 'string') {
    const start = text.indexOf(pattern);
    return start === -1 ? undefined : { start, end: start + pattern.length, groups: [], namedGroups: {} };
  }
  // A copy without the global and sticky flags always searches from the start.
  const regexp = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const match = regexp.exec(text);
  if (!match) {
    return undefined;
  }
  return {
    start: match.index,
    end: match.index + match[0].length,
    groups: match.slice(1),
    namedGroups: { ...match.groups },
  };
}

/** Splits off a trailing escape sequence that has not ended yet, to strip it once complete. */
function splitIncompleteEscape(text: string): [string, string] {
  const start = text.lastIndexOf('\x1b');
  if (start === -1 || text.length - start > 64) {
    return [text, ''];
  }
  const tail = text.slice(start);
  return stripAnsi(tail).startsWith('\x1b') ? [text.slice(0, start), tail] : [text, ''];
}

/** Formats patterns for messages: strings quoted, regular expressions as literals. */
export function describePatterns(patterns: Pattern[]): string {
  return patterns.map((pattern) => (typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern))).join(' or ');
}
