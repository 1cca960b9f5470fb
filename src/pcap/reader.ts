import { open, readFile } from 'node:fs/promises';
import { PcapError } from './errors.ts';
import { PCAP_HEADER_LENGTH, parsePcapHeader, parsePcapRecords } from './format.ts';
import type { PcapHeader, PcapRecord } from './format.ts';

/** Header and records of a complete pcap buffer or file. */
export interface PcapCapture {
  header: PcapHeader;
  records: PcapRecord[];
  /** Number of bytes after the last complete record, i.e. a partial record still being written. */
  trailingBytes: number;
}

/** Options of {@link PcapFileReader.readNew}. */
export interface ReadNewOptions {
  /**
   * Whether the writer has finished. A file shorter than the pcap header then raises
   * `TRUNCATED_HEADER` instead of being treated as not yet written. Default false.
   */
  final?: boolean;
  /**
   * Maximum bytes read by one call, so that a large backlog is read in
   * parts. A record that does not fit completely is left for the next call.
   * Default: the whole unread range.
   */
  maxBytes?: number;
}

/**
 * Parses a whole pcap buffer. Raises {@link PcapError} for a bad magic number or a truncated
 * header, and leaves a partial last record out of `records` (it counts in `trailingBytes`).
 * `source` labels the buffer in error messages.
 */
export function readPcapBuffer(data: Uint8Array, source = 'buffer'): PcapCapture {
  const header = parsePcapHeader(data, source);
  const { records, nextOffset } = parsePcapRecords(data, header, PCAP_HEADER_LENGTH, source);
  return { header, records, trailingBytes: data.length - nextOffset };
}

/** Reads and parses a whole pcap file, as {@link readPcapBuffer} does with a buffer. */
export async function readPcapFile(path: string): Promise<PcapCapture> {
  return readPcapBuffer(await readFile(path), path);
}

/**
 * Incremental reader of a pcap file that another process is still appending to, such as
 * the file of QEMU's filter-dump. Each {@link readNew} call returns only the records
 * completed since the previous call. A record that is still partial stays in the file
 * and is returned by a later call. Calls are serialized, so concurrent callers never
 * receive the same record twice.
 */
export class PcapFileReader {
  #header: PcapHeader | undefined;
  #offset = 0;
  #recordCount = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    /** Path of the pcap file. Each read opens it anew, so it need not exist before the first read. */
    readonly path: string,
  ) {}

  /** Global header, or undefined until a read has found all 24 header bytes. */
  get header(): PcapHeader | undefined {
    return this.#header;
  }

  /** File offset where the next read starts, just past the last complete record returned. */
  get offset(): number {
    return this.#offset;
  }

  /** Number of records returned so far. */
  get recordCount(): number {
    return this.#recordCount;
  }

  /**
   * Reads the records completed since the previous call. Returns an empty array while the
   * file is shorter than the pcap header, unless `options.final` is set. Raises
   * {@link PcapError} for a bad magic number, an impossible record length or a file that
   * shrank below the offset already read. Raises the fs error when the file does not exist.
   */
  readNew(options: ReadNewOptions = {}): Promise<PcapRecord[]> {
    const result = this.#queue.then(() => this.#readNewNow(options.final ?? false, options.maxBytes ?? Infinity));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #readNewNow(final: boolean, maxBytes: number): Promise<PcapRecord[]> {
    const handle = await open(this.path, 'r');
    try {
      const { size } = await handle.stat();
      if (size < this.#offset) {
        throw new PcapError(
          'FILE_SHRANK',
          this.path,
          `file shrank to ${size} bytes, below the ${this.#offset} bytes already read; ` +
            'the writer probably recreated it, so start a new PcapFileReader',
        );
      }
      // The unread range is loaded at once up to maxBytes, so without maxBytes
      // memory use grows with the amount written between two reads.
      const chunk = Buffer.alloc(Math.min(size - this.#offset, maxBytes));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.#offset);
      return this.#consume(chunk.subarray(0, bytesRead), final);
    } finally {
      await handle.close();
    }
  }

  #consume(chunk: Buffer, final: boolean): PcapRecord[] {
    let start = 0;
    if (this.#header === undefined) {
      // A short header raises only on `final` or a bad magic number, because the writer may still be writing it.
      if (chunk.length < PCAP_HEADER_LENGTH && !final) {
        rejectBadMagic(chunk, this.path);
        return [];
      }
      this.#header = parsePcapHeader(chunk, this.path);
      start = PCAP_HEADER_LENGTH;
    }
    const { records, nextOffset } = parsePcapRecords(chunk, this.#header, start, this.path, this.#offset);
    this.#offset += nextOffset;
    this.#recordCount += records.length;
    return records;
  }
}

function rejectBadMagic(partialHeader: Uint8Array, source: string): void {
  try {
    parsePcapHeader(partialHeader, source);
  } catch (error) {
    if (!(error instanceof PcapError && error.code === 'TRUNCATED_HEADER')) {
      throw error;
    }
  }
}
