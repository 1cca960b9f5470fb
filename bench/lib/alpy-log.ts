import { epochNow } from './stats.ts';

/** An alpy log line and the epoch time in ms at which it was written. */
export interface LogRecord {
  time: number;
  text: string;
}

const alpyLine = /^\d\d:\d\d:\d\d\.\d{3} alpy:\S+ (info|warn|error): /;

/**
 * Records alpy's info log lines of this process with the time each was
 * written, and keeps them off the terminal; warnings and errors still show.
 * alpy reads ALPY_LOG at every line, so this sets it to `info`.
 */
export class AlpyLogRecorder {
  readonly records: LogRecord[] = [];
  private readonly originalWrite = process.stderr.write.bind(process.stderr);
  private readonly previousLevel = process.env.ALPY_LOG;

  constructor() {
    process.env.ALPY_LOG = 'info';
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const match = alpyLine.exec(text);
      if (match) {
        this.records.push({ time: epochNow(), text: text.trimEnd() });
        if (match[1] === 'info') {
          return true;
        }
      }
      return (this.originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
  }

  /** Returns the time of the first record after `after` whose text matches `pattern`; throws when there is none. */
  timeOf(pattern: RegExp, after = 0): number {
    const record = this.records.find((entry) => entry.time >= after && pattern.test(entry.text));
    if (!record) {
      throw new Error(`No alpy log line matching ${pattern} after ${new Date(after).toISOString()}`);
    }
    return record.time;
  }

  /** Puts back the terminal output and the previous ALPY_LOG. */
  stop(): void {
    process.stderr.write = this.originalWrite;
    if (this.previousLevel === undefined) {
      delete process.env.ALPY_LOG;
    } else {
      process.env.ALPY_LOG = this.previousLevel;
    }
  }
}
