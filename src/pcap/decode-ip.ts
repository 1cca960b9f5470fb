import { formatIpv4, formatIpv6 } from './address.ts';
import { failure, truncatedReason, viewOf } from './bytes.ts';
import type { LayerResult } from './bytes.ts';
import type { Ipv4Header, Ipv4Option, Ipv6Fragment, Ipv6Header } from './layers.ts';

const IPV4_MIN_HEADER_LENGTH = 20;
const IPV6_HEADER_LENGTH = 40;

const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AUTHENTICATION = 51;
const IPV6_DESTINATION_OPTIONS = 60;
const IPV6_MOBILITY = 135;

/**
 * Decodes an IPv4 header with options. The payload is cut to the total length, which
 * drops Ethernet padding, or ends with the capture when the capture is shorter.
 */
export function decodeIpv4(data: Uint8Array): LayerResult<Ipv4Header> {
  if (data.length < IPV4_MIN_HEADER_LENGTH) {
    return failure(truncatedReason(data.length, IPV4_MIN_HEADER_LENGTH));
  }
  const version = (data[0] ?? 0) >>> 4;
  if (version !== 4) {
    return failure(`bad IP version ${version}, expected 4`);
  }
  const headerLength = ((data[0] ?? 0) & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    return failure(`bad header length ${headerLength}, less than ${IPV4_MIN_HEADER_LENGTH}`);
  }
  if (data.length < headerLength) {
    return failure(truncatedReason(data.length, headerLength));
  }

  const view = viewOf(data);
  // Linux captures of TCP segmentation offload carry total length 0, which tcpdump 4.99.3
  // prints as `bad-len 0`. This decoder takes the captured length instead.
  const totalLength = view.getUint16(2) || data.length;
  const fragmentField = view.getUint16(6);
  const { options, malformed } = decodeIpv4Options(data.subarray(IPV4_MIN_HEADER_LENGTH, headerLength));

  const value: Ipv4Header = {
    version: 4,
    headerLength,
    tos: data[1] ?? 0,
    totalLength,
    id: view.getUint16(4),
    dontFragment: (fragmentField & 0x4000) !== 0,
    moreFragments: (fragmentField & 0x2000) !== 0,
    fragmentOffset: (fragmentField & 0x1fff) * 8,
    ttl: data[8] ?? 0,
    proto: data[9] ?? 0,
    checksum: view.getUint16(10),
    src: formatIpv4(data, 12),
    dst: formatIpv4(data, 16),
    options,
    optionsMalformed: malformed,
    payloadLength: Math.max(totalLength - headerLength, 0),
    truncated: data.length < totalLength,
  };

  if (totalLength < headerLength) {
    return failure(`bad total length ${totalLength}, less than header length ${headerLength}`, value);
  }
  return { value, payload: data.subarray(headerLength, Math.min(totalLength, data.length)) };
}

function decodeIpv4Options(area: Uint8Array): { options: Ipv4Option[]; malformed: boolean } {
  const options: Ipv4Option[] = [];
  let offset = 0;
  while (offset < area.length) {
    const type = area[offset] ?? 0;
    // EOL (0) ends the list and NOP (1) is a single padding byte. All other options carry a length byte.
    if (type === 0 || type === 1) {
      options.push({ type, length: 1, data: area.subarray(offset + 1, offset + 1) });
      offset += 1;
      if (type === 0) {
        break;
      }
      continue;
    }
    const length = area[offset + 1];
    if (length === undefined || length < 2 || offset + length > area.length) {
      return { options, malformed: true };
    }
    options.push({ type, length, data: area.subarray(offset + 2, offset + length) });
    offset += length;
  }
  return { options, malformed: false };
}

/**
 * Decodes an IPv6 fixed header and skips hop-by-hop, routing, fragment, destination
 * options, authentication and mobility headers. `proto` is the protocol after them.
 * Headers after a non-first fragment are not parsed because they belong to the first fragment.
 */
export function decodeIpv6(data: Uint8Array): LayerResult<Ipv6Header> {
  if (data.length < IPV6_HEADER_LENGTH) {
    return failure(truncatedReason(data.length, IPV6_HEADER_LENGTH));
  }
  const view = viewOf(data);
  const firstWord = view.getUint32(0);
  const version = firstWord >>> 28;
  if (version !== 6) {
    return failure(`bad IP version ${version}, expected 6`);
  }
  const declaredPayloadLength = view.getUint16(4);
  const nextHeader = data[6] ?? 0;
  const hopLimit = data[7] ?? 0;
  const packetEnd = IPV6_HEADER_LENGTH + declaredPayloadLength;

  const value: Ipv6Header = {
    version: 6,
    trafficClass: (firstWord >>> 20) & 0xff,
    flowLabel: firstWord & 0xfffff,
    nextHeader,
    hopLimit,
    ttl: hopLimit,
    src: formatIpv6(data, 8),
    dst: formatIpv6(data, 24),
    proto: nextHeader,
    extensionHeaders: [],
    headerLength: IPV6_HEADER_LENGTH,
    payloadLength: declaredPayloadLength,
    fragmentOffset: 0,
    moreFragments: false,
    truncated: data.length < packetEnd,
  };

  const packet = data.subarray(0, Math.min(packetEnd, data.length));
  const error = skipExtensionHeaders(packet, packetEnd, value);
  if (error !== undefined) {
    return failure(error, value);
  }
  value.payloadLength = packetEnd - value.headerLength;
  return { value, payload: packet.subarray(value.headerLength) };
}

// Walks the extension header chain and updates `header` in place. Returns the reason when it stops early.
function skipExtensionHeaders(packet: Uint8Array, packetEnd: number, header: Ipv6Header): string | undefined {
  let offset = IPV6_HEADER_LENGTH;
  while (isExtensionHeader(header.proto)) {
    if (packet.length - offset < 8) {
      return extensionTruncatedReason(packet, packetEnd, offset, 8);
    }
    const length = extensionHeaderLength(header.proto, packet[offset + 1] ?? 0);
    if (packet.length - offset < length) {
      return extensionTruncatedReason(packet, packetEnd, offset, length);
    }
    if (header.proto === IPV6_FRAGMENT) {
      header.fragment = decodeFragmentHeader(packet, offset, packetEnd);
      header.fragmentOffset = header.fragment.offset;
      header.moreFragments = header.fragment.moreFragments;
    }
    header.extensionHeaders.push(header.proto);
    header.proto = packet[offset] ?? 0;
    offset += length;
    header.headerLength = offset;
    if (header.fragmentOffset > 0) {
      break;
    }
  }
  return undefined;
}

function isExtensionHeader(proto: number): boolean {
  return (
    proto === IPV6_HOP_BY_HOP ||
    proto === IPV6_ROUTING ||
    proto === IPV6_FRAGMENT ||
    proto === IPV6_AUTHENTICATION ||
    proto === IPV6_DESTINATION_OPTIONS ||
    proto === IPV6_MOBILITY
  );
}

// The fragment header has a fixed size, AH counts 4-byte units minus 2, and the others 8-byte units minus 1.
function extensionHeaderLength(proto: number, lengthField: number): number {
  if (proto === IPV6_FRAGMENT) {
    return 8;
  }
  if (proto === IPV6_AUTHENTICATION) {
    return (lengthField + 2) * 4;
  }
  return (lengthField + 1) * 8;
}

function decodeFragmentHeader(packet: Uint8Array, offset: number, packetEnd: number): Ipv6Fragment {
  const view = viewOf(packet);
  const field = view.getUint16(offset + 2);
  return {
    id: view.getUint32(offset + 4),
    offset: field & 0xfff8,
    moreFragments: (field & 1) !== 0,
    length: packetEnd - offset - 8,
  };
}

function extensionTruncatedReason(packet: Uint8Array, packetEnd: number, offset: number, required: number): string {
  const present = packet.length - offset;
  if (packet.length === packetEnd) {
    return `extension header at offset ${offset} needs ${required} bytes but the payload length leaves ${present}`;
  }
  return truncatedReason(present, required, 'extension header');
}
