import fs from 'node:fs';

import { escapeBytes } from './escape.ts';

/** Direction of console bytes: `<` from the DUT, `>` to the DUT. */
export type Direction = '<' | '>';

/**
 * Writes a console session to two files: the bytes the DUT sent, unchanged
 * (`rawPath`), and both directions as escaped text (`textPath`), one record
 * per line with a timestamp, a direction mark and, for input, its writer.
 *
 * Files are written synchronously so that they stay complete when the process
 * is killed.
 */
export class ConsoleTranscript {
  private readonly rawFd: number;
  private readonly textFd: number;
  private line = '';
  private lineLabel = '';
  private lineStarted = new Date();
  private closed = false;

  constructor(
    readonly rawPath: string,
    readonly textPath: string,
  ) {
    this.rawFd = fs.openSync(rawPath, 'a');
    this.textFd = fs.openSync(textPath, 'a');
  }

  /** Records `data` moving in `direction`; `source` names the writer of input. */
  record(direction: Direction, data: Uint8Array, source = 'dut'): void {
    if (this.closed) {
      return;
    }
    if (direction === '<') {
      fs.writeSync(this.rawFd, data);
    }
    const label = direction === '<' ? '<' : `> ${source}`;
    if (label !== this.lineLabel) {
      this.flush();
      this.lineLabel = label;
    }
    let start = 0;
    for (let index = 0; index < data.length; index++) {
      if (data[index] === 0x0a) {
        this.append(data.subarray(start, index + 1));
        this.flush();
        start = index + 1;
      }
    }
    this.append(data.subarray(start));
  }

  /** Writes the unfinished line and closes both files. Safe to call twice. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.flush();
    fs.closeSync(this.rawFd);
    fs.closeSync(this.textFd);
    this.closed = true;
  }

  // A record carries the time its first byte arrived, not the time it was
  // written, which for a prompt is only when the next input comes.
  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) {
      return;
    }
    if (this.line === '') {
      this.lineStarted = new Date();
    }
    this.line += escapeBytes(bytes);
  }

  private flush(): void {
    if (this.line === '') {
      return;
    }
    fs.writeSync(this.textFd, `${this.lineStarted.toISOString()} ${this.lineLabel} ${this.line}\n`);
    this.line = '';
  }
}
