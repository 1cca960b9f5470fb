/** Machine-readable cause of a {@link PcapError}. */
export type PcapErrorCode =
  /** The first four bytes are no classic pcap magic number. */
  | 'BAD_MAGIC'
  /** The magic number belongs to a capture format that this reader does not parse (pcapng, modified pcap). */
  | 'UNSUPPORTED_FORMAT'
  /** The data ends inside the 24-byte global header. */
  | 'TRUNCATED_HEADER'
  /** A record header declares an impossible captured length, so the rest of the file cannot be framed. */
  | 'INVALID_RECORD'
  /** A file read incrementally is now shorter than the offset already read. */
  | 'FILE_SHRANK';

/** Error raised for unreadable pcap data. The message names the file (or buffer) and the offending value. */
export class PcapError extends Error {
  override readonly name = 'PcapError';

  constructor(
    /** Machine-readable cause. */
    readonly code: PcapErrorCode,
    /** File path, or the label that the caller gave to a buffer. */
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}
