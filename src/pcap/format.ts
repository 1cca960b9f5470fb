import { PcapError } from './errors.ts';

/** Size of the classic pcap global header in bytes. */
export const PCAP_HEADER_LENGTH = 24;

/** Size of a classic pcap record header in bytes. */
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** LINKTYPE_ETHERNET: IEEE 802.3 Ethernet frames, the link type that QEMU's filter-dump writes. */
export const LINKTYPE_ETHERNET = 1;

/** LINKTYPE_RAW: raw IPv4 or IPv6 packets without a link-layer header. */
export const LINKTYPE_RAW = 101;

/** LINKTYPE_IPV4: raw IPv4 packets. */
export const LINKTYPE_IPV4 = 228;

/** LINKTYPE_IPV6: raw IPv6 packets. */
export const LINKTYPE_IPV6 = 229;

// libpcap accepts records up to its MAXIMUM_SNAPLEN of 262144 bytes even when the
// header's snaplen is smaller, so only lengths above both limits are rejected.
const MAXIMUM_SNAPLEN = 262_144;

const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const MAGIC_NANOSECONDS = 0xa1b23c4d;
const MAGIC_MICROSECONDS_SWAPPED = 0xd4c3b2a1;
const MAGIC_NANOSECONDS_SWAPPED = 0x4d3cb2a1;
const MAGIC_PCAPNG = 0x0a0d0d0a;
const MAGIC_MODIFIED_PCAP = 0xa1b2cd34;
const MAGIC_MODIFIED_PCAP_SWAPPED = 0x34cdb2a1;

/** Byte order in which the writer stored all header and record fields. */
export type ByteOrder = 'big-endian' | 'little-endian';

/** Unit of the fractional part of record timestamps. */
export type TimestampPrecision = 'microsecond' | 'nanosecond';

/** Fields of the classic pcap global header. */
export interface PcapHeader {
  /** Byte order of the writer, detected from the magic number. */
  byteOrder: ByteOrder;
  /** Unit of the sub-second timestamp field, detected from the magic number. */
  precision: TimestampPrecision;
  /** Format major version, 2 for every current writer. */
  versionMajor: number;
  /** Format minor version, 4 for every current writer. */
  versionMinor: number;
  /** Offset of local time from UTC in seconds. Writers set 0, and readers (this one too) ignore it. */
  thisZone: number;
  /** Timestamp accuracy field, which writers set to 0. */
  sigFigs: number;
  /** Maximum number of bytes stored per packet. */
  snaplen: number;
  /** LINKTYPE_ value (lower 16 bits of the network field), e.g. {@link LINKTYPE_ETHERNET}. */
  linkType: number;
  /** Bytes of frame check sequence at the end of every packet, when the header's FCS flag is set. */
  fcsLength?: number;
}

/** One packet record of a pcap file. */
export interface PcapRecord {
  /** Byte offset of the record header from the start of the file or buffer. */
  offset: number;
  /** Capture time in nanoseconds since the Unix epoch, exact for both precisions. */
  timestampNs: bigint;
  /**
   * Capture time in milliseconds since the Unix epoch, for `new Date(timestampMs)`.
   * It keeps a fractional part, but a double holds only about 0.25 µs of precision at current dates.
   */
  timestampMs: number;
  /** Bytes stored in the file for this packet (`data.length`). */
  capturedLength: number;
  /** Length of the packet on the wire, which exceeds `capturedLength` when the snaplen cut it. */
  originalLength: number;
  /** Captured packet bytes, as a view into the parsed buffer rather than a copy. */
  data: Uint8Array;
}

/** Records parsed from a byte range, and where parsing stopped. */
export interface PcapRecordBatch {
  records: PcapRecord[];
  /** Offset just past the last complete record, which is where the next read must start. */
  nextOffset: number;
}

/**
 * Parses the 24-byte global header at the start of `data`. Raises {@link PcapError} for a
 * bad magic number or a truncated header; `source` names the data in the message.
 */
export function parsePcapHeader(data: Uint8Array, source = 'buffer'): PcapHeader {
  if (data.length < 4) {
    throw truncatedHeaderError(source, data.length);
  }
  const view = viewOf(data);
  const { byteOrder, precision } = identifyMagic(view.getUint32(0, false), source);
  if (data.length < PCAP_HEADER_LENGTH) {
    throw truncatedHeaderError(source, data.length);
  }
  const littleEndian = byteOrder === 'little-endian';
  const network = view.getUint32(20, littleEndian);
  const header: PcapHeader = {
    byteOrder,
    precision,
    versionMajor: view.getUint16(4, littleEndian),
    versionMinor: view.getUint16(6, littleEndian),
    thisZone: view.getInt32(8, littleEndian),
    sigFigs: view.getUint32(12, littleEndian),
    snaplen: view.getUint32(16, littleEndian),
    linkType: network & 0xffff,
  };
  // Bit 26 of the network field is the F flag, and bits 28-31 then give the FCS length in 16-bit words.
  if ((network & 0x0400_0000) !== 0) {
    header.fcsLength = (network >>> 28) * 2;
  }
  return header;
}

/**
 * Parses the complete records in `data` from `start` on and stops before a partial record at the end.
 * `baseOffset` is the file offset of `data[0]`, added to each record's `offset` and to error messages.
 */
export function parsePcapRecords(
  data: Uint8Array,
  header: PcapHeader,
  start: number,
  source = 'buffer',
  baseOffset = 0,
): PcapRecordBatch {
  const view = viewOf(data);
  const littleEndian = header.byteOrder === 'little-endian';
  const fractionToNs = header.precision === 'nanosecond' ? 1n : 1000n;
  const fractionsPerMs = header.precision === 'nanosecond' ? 1e6 : 1e3;
  const maxCapturedLength = Math.max(header.snaplen, MAXIMUM_SNAPLEN);
  const records: PcapRecord[] = [];
  let offset = start;

  while (data.length - offset >= PCAP_RECORD_HEADER_LENGTH) {
    const seconds = view.getUint32(offset, littleEndian);
    const fraction = view.getUint32(offset + 4, littleEndian);
    const capturedLength = view.getUint32(offset + 8, littleEndian);
    const originalLength = view.getUint32(offset + 12, littleEndian);
    if (capturedLength > maxCapturedLength) {
      throw new PcapError(
        'INVALID_RECORD',
        source,
        `record at byte offset ${baseOffset + offset} has captured length ${capturedLength}, ` +
          `more than the maximum of ${maxCapturedLength}; the file is corrupt or not written as pcap`,
      );
    }
    const dataStart = offset + PCAP_RECORD_HEADER_LENGTH;
    if (data.length - dataStart < capturedLength) {
      break;
    }
    records.push({
      offset: baseOffset + offset,
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(fraction) * fractionToNs,
      timestampMs: seconds * 1000 + fraction / fractionsPerMs,
      capturedLength,
      originalLength,
      data: data.subarray(dataStart, dataStart + capturedLength),
    });
    offset = dataStart + capturedLength;
  }
  return { records, nextOffset: offset };
}

function identifyMagic(magic: number, source: string): Pick<PcapHeader, 'byteOrder' | 'precision'> {
  switch (magic) {
    case MAGIC_MICROSECONDS:
      return { byteOrder: 'big-endian', precision: 'microsecond' };
    case MAGIC_MICROSECONDS_SWAPPED:
      return { byteOrder: 'little-endian', precision: 'microsecond' };
    case MAGIC_NANOSECONDS:
      return { byteOrder: 'big-endian', precision: 'nanosecond' };
    case MAGIC_NANOSECONDS_SWAPPED:
      return { byteOrder: 'little-endian', precision: 'nanosecond' };
    case MAGIC_PCAPNG:
      throw new PcapError(
        'UNSUPPORTED_FORMAT',
        source,
        'magic number 0x0a0d0d0a marks a pcapng file, but only classic pcap is supported; ' +
          'convert it with `editcap -F pcap`',
      );
    case MAGIC_MODIFIED_PCAP:
    case MAGIC_MODIFIED_PCAP_SWAPPED:
      throw new PcapError(
        'UNSUPPORTED_FORMAT',
        source,
        `magic number ${hex32(magic)} marks a modified (Kuznetzov) pcap file, which is not supported; ` +
          'convert it with `editcap -F pcap`',
      );
    default:
      throw new PcapError(
        'BAD_MAGIC',
        source,
        `bad pcap magic number ${hex32(magic)} (bytes in file order); expected a1b2c3d4 or a1b23c4d ` +
          'in either byte order, so this is not a classic pcap file',
      );
  }
}

function truncatedHeaderError(source: string, length: number): PcapError {
  return new PcapError(
    'TRUNCATED_HEADER',
    source,
    `truncated pcap header: ${length} of ${PCAP_HEADER_LENGTH} bytes present`,
  );
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}
