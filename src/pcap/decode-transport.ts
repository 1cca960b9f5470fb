import { failure, truncatedReason, viewOf } from './bytes.ts';
import type { LayerResult } from './bytes.ts';
import type { TcpFlags, TcpOption, TcpSegment, UdpDatagram } from './layers.ts';

const TCP_MIN_HEADER_LENGTH = 20;
const UDP_HEADER_LENGTH = 8;

// tcpdump prints the flag letters in this bit order (FIN first), with `.` for ACK and `W` for CWR.
const TCP_FLAG_LETTERS: ReadonlyArray<[number, string]> = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];

/** Decodes a TCP header with options. `segmentLength` is the TCP length that the IP header declares. */
export function decodeTcp(data: Uint8Array, segmentLength: number): LayerResult<TcpSegment> {
  if (data.length < TCP_MIN_HEADER_LENGTH) {
    return failure(truncatedReason(data.length, TCP_MIN_HEADER_LENGTH));
  }
  const headerLength = ((data[12] ?? 0) >>> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LENGTH) {
    return failure(`bad header length ${headerLength}, less than ${TCP_MIN_HEADER_LENGTH}`);
  }
  if (headerLength > segmentLength) {
    return failure(`header length ${headerLength} exceeds segment length ${segmentLength}`);
  }
  if (data.length < headerLength) {
    return failure(truncatedReason(data.length, headerLength));
  }
  const view = viewOf(data);
  const flagBits = data[13] ?? 0;
  const value: TcpSegment = {
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    seq: view.getUint32(4),
    ack: view.getUint32(8),
    headerLength,
    flags: decodeTcpFlags(flagBits),
    flagBits,
    flagsText: formatTcpFlags(flagBits),
    window: view.getUint16(14),
    checksum: view.getUint16(16),
    urgentPointer: view.getUint16(18),
    options: decodeTcpOptions(data.subarray(TCP_MIN_HEADER_LENGTH, headerLength)),
    payloadLength: segmentLength - headerLength,
    payload: data.subarray(headerLength, segmentLength),
    truncated: data.length < segmentLength,
  };
  return { value, payload: value.payload };
}

/** Formats TCP flag bits in tcpdump's letters, e.g. `S.` for SYN-ACK, or `none`. */
export function formatTcpFlags(flagBits: number): string {
  const letters = TCP_FLAG_LETTERS.filter(([bit]) => (flagBits & bit) !== 0).map(([, letter]) => letter);
  return letters.length > 0 ? letters.join('') : 'none';
}

function decodeTcpFlags(bits: number): TcpFlags {
  return {
    fin: (bits & 0x01) !== 0,
    syn: (bits & 0x02) !== 0,
    rst: (bits & 0x04) !== 0,
    psh: (bits & 0x08) !== 0,
    ack: (bits & 0x10) !== 0,
    urg: (bits & 0x20) !== 0,
    ece: (bits & 0x40) !== 0,
    cwr: (bits & 0x80) !== 0,
  };
}

// Parsing stops at EOL or at an option whose length byte is missing or points past the header.
function decodeTcpOptions(area: Uint8Array): TcpOption[] {
  const options: TcpOption[] = [];
  let offset = 0;
  while (offset < area.length) {
    const kind = area[offset] ?? 0;
    if (kind === 0) {
      options.push({ kind: 'eol' });
      break;
    }
    if (kind === 1) {
      options.push({ kind: 'nop' });
      offset += 1;
      continue;
    }
    const length = area[offset + 1];
    if (length === undefined || length < 2 || offset + length > area.length) {
      break;
    }
    options.push(decodeTcpOption(kind, area.subarray(offset, offset + length)));
    offset += length;
  }
  return options;
}

function decodeTcpOption(kind: number, option: Uint8Array): TcpOption {
  const view = viewOf(option);
  if (kind === 2 && option.length === 4) {
    return { kind: 'mss', value: view.getUint16(2) };
  }
  if (kind === 3 && option.length === 3) {
    return { kind: 'wscale', shift: option[2] ?? 0 };
  }
  if (kind === 4 && option.length === 2) {
    return { kind: 'sackOK' };
  }
  if (kind === 5 && (option.length - 2) % 8 === 0) {
    const blocks: Array<[number, number]> = [];
    for (let offset = 2; offset < option.length; offset += 8) {
      blocks.push([view.getUint32(offset), view.getUint32(offset + 4)]);
    }
    return { kind: 'sack', blocks };
  }
  if (kind === 8 && option.length === 10) {
    return { kind: 'TS', value: view.getUint32(2), echo: view.getUint32(6) };
  }
  return { kind: 'unknown', code: kind, data: option.subarray(2) };
}

/**
 * Decodes a UDP header. `datagramLength` is the UDP length that the IP header declares.
 * In a first fragment the length field may exceed it, because the rest of the datagram follows.
 */
export function decodeUdp(data: Uint8Array, datagramLength: number, firstFragment = false): LayerResult<UdpDatagram> {
  if (data.length < UDP_HEADER_LENGTH) {
    return failure(truncatedReason(data.length, UDP_HEADER_LENGTH));
  }
  const view = viewOf(data);
  const length = view.getUint16(4);
  const value: UdpDatagram = {
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    length,
    checksum: view.getUint16(6),
    payloadLength: Math.max(length - UDP_HEADER_LENGTH, 0),
    payload: data.subarray(UDP_HEADER_LENGTH, Math.max(length, UDP_HEADER_LENGTH)),
    truncated: data.length < length,
  };
  if (length < UDP_HEADER_LENGTH) {
    return failure(`bad length ${length}, less than ${UDP_HEADER_LENGTH}`, value);
  }
  if (length > datagramLength && !firstFragment) {
    return failure(`length ${length} exceeds IP payload length ${datagramLength}`, value);
  }
  return { value, payload: value.payload };
}
