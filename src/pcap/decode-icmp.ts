import { formatIpv4, formatIpv6, formatMac } from './address.ts';
import { failure, truncatedReason, viewOf } from './bytes.ts';
import type { LayerResult } from './bytes.ts';
import type { Icmp6Message, Icmp6Prefix, IcmpMessage, QuotedPacket } from './layers.ts';

const ICMP_HEADER_LENGTH = 8;
const ICMP6_MIN_LENGTH = 4;

// Names as tcpdump 4.99.3 prints them. Types not listed print as `type-#N`.
const ICMP_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'echo reply'],
  [3, 'unreachable'],
  [4, 'source quench'],
  [5, 'redirect'],
  [8, 'echo request'],
  [9, 'router advertisement'],
  [10, 'router solicitation'],
  [11, 'time exceeded'],
  [12, 'parameter problem'],
  [13, 'time stamp request'],
  [14, 'time stamp reply'],
  [15, 'information request'],
  [16, 'information reply'],
  [17, 'address mask request'],
  [18, 'address mask reply'],
]);

// Names as tcpdump 4.99.3 prints them.
const ICMP6_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'destination unreachable'],
  [2, 'packet too big'],
  [3, 'time exceeded in-transit'],
  [4, 'parameter problem'],
  [128, 'echo request'],
  [129, 'echo reply'],
  [130, 'multicast listener query'],
  [131, 'multicast listener report'],
  [132, 'multicast listener done'],
  [133, 'router solicitation'],
  [134, 'router advertisement'],
  [135, 'neighbor solicitation'],
  [136, 'neighbor advertisement'],
  [137, 'redirect'],
  [143, 'multicast listener report v2'],
]);

/** Every ICMP and ICMPv6 type name the decoder gives, for checking filters. */
export const knownIcmpTypeNames: ReadonlySet<string> = new Set([...ICMP_TYPE_NAMES.values(), ...ICMP6_TYPE_NAMES.values()]);

// ICMP types whose second header word is an identifier and a sequence number.
const ICMP_ID_SEQ_TYPES: ReadonlySet<number> = new Set([0, 8, 13, 14, 15, 16, 17, 18]);

// ICMP error types that quote the offending IP header and 8 bytes of its payload.
const ICMP_QUOTING_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);

// Minimum ICMPv6 message length per type: the header plus the fixed fields read from it.
const ICMP6_FIXED_LENGTHS: ReadonlyMap<number, number> = new Map([
  [1, 8],
  [2, 8],
  [3, 8],
  [4, 8],
  [128, 8],
  [129, 8],
  [133, 8],
  [134, 16],
  [135, 24],
  [136, 24],
  [137, 40],
]);

/** Decodes an ICMP message. `length` is the message length that the IP header declares. */
export function decodeIcmp(data: Uint8Array, length: number): LayerResult<IcmpMessage> {
  if (data.length < ICMP_HEADER_LENGTH) {
    return failure(truncatedReason(data.length, ICMP_HEADER_LENGTH));
  }
  const view = viewOf(data);
  const type = data[0] ?? 0;
  const code = data[1] ?? 0;
  const value: IcmpMessage = {
    type,
    code,
    checksum: view.getUint16(2),
    typeName: ICMP_TYPE_NAMES.get(type) ?? `type-#${type}`,
    length,
  };
  if (ICMP_ID_SEQ_TYPES.has(type)) {
    value.id = view.getUint16(4);
    value.seq = view.getUint16(6);
  }
  if (type === 3 && code === 4) {
    value.mtu = view.getUint16(6);
  }
  if (type === 5) {
    value.gateway = formatIpv4(data, 4);
  }
  if (type === 12) {
    value.pointer = data[4] ?? 0;
  }
  if (ICMP_QUOTING_TYPES.has(type)) {
    const quoted = decodeQuotedIpv4(data.subarray(ICMP_HEADER_LENGTH));
    if (quoted !== undefined) {
      value.quoted = quoted;
    }
  }
  return { value, payload: data.subarray(ICMP_HEADER_LENGTH) };
}

/** Decodes an ICMPv6 message with neighbor discovery fields and options. `length` is the declared message length. */
export function decodeIcmp6(data: Uint8Array, length: number): LayerResult<Icmp6Message> {
  if (data.length < ICMP6_MIN_LENGTH) {
    return failure(truncatedReason(data.length, ICMP6_MIN_LENGTH));
  }
  const type = data[0] ?? 0;
  const value: Icmp6Message = {
    type,
    code: data[1] ?? 0,
    checksum: viewOf(data).getUint16(2),
    typeName: ICMP6_TYPE_NAMES.get(type) ?? `unknown icmp6 type (${type})`,
    length,
  };
  const fixedLength = ICMP6_FIXED_LENGTHS.get(type) ?? ICMP6_MIN_LENGTH;
  if (data.length < fixedLength) {
    return failure(truncatedReason(data.length, fixedLength), value);
  }
  decodeIcmp6Fields(data, value);
  // Router and neighbor discovery messages (133-137) end with options.
  if (type >= 133 && type <= 137) {
    const error = decodeNdpOptions(data.subarray(fixedLength), value);
    if (error !== undefined) {
      return failure(error, value);
    }
  }
  return { value, payload: data.subarray(fixedLength) };
}

// Fills the type-specific fields. The caller has checked the type's fixed length.
function decodeIcmp6Fields(data: Uint8Array, value: Icmp6Message): void {
  const view = viewOf(data);
  switch (value.type) {
    case 128:
    case 129:
      value.id = view.getUint16(4);
      value.seq = view.getUint16(6);
      return;
    case 2:
      value.mtu = view.getUint32(4);
      setQuotedIpv6(data, value);
      return;
    case 4:
      value.pointer = view.getUint32(4);
      setQuotedIpv6(data, value);
      return;
    case 1:
    case 3:
      setQuotedIpv6(data, value);
      return;
    case 134:
      value.routerAdvertisement = {
        curHopLimit: data[4] ?? 0,
        managed: ((data[5] ?? 0) & 0x80) !== 0,
        other: ((data[5] ?? 0) & 0x40) !== 0,
        routerLifetime: view.getUint16(6),
        reachableTime: view.getUint32(8),
        retransTimer: view.getUint32(12),
      };
      return;
    case 135:
      value.target = formatIpv6(data, 8);
      return;
    case 136:
      value.neighborFlags = {
        router: ((data[4] ?? 0) & 0x80) !== 0,
        solicited: ((data[4] ?? 0) & 0x40) !== 0,
        override: ((data[4] ?? 0) & 0x20) !== 0,
      };
      value.target = formatIpv6(data, 8);
      return;
    case 137:
      value.target = formatIpv6(data, 8);
      value.destination = formatIpv6(data, 24);
      return;
  }
}

function setQuotedIpv6(data: Uint8Array, value: Icmp6Message): void {
  const quoted = decodeQuotedIpv6(data.subarray(8));
  if (quoted !== undefined) {
    value.quoted = quoted;
  }
}

// Neighbor discovery options (RFC 4861 section 4.6) count their length in units of 8 bytes.
function decodeNdpOptions(options: Uint8Array, value: Icmp6Message): string | undefined {
  const view = viewOf(options);
  let offset = 0;
  while (offset < options.length) {
    if (options.length - offset < 2) {
      return truncatedReason(options.length - offset, 2, 'option');
    }
    const type = options[offset] ?? 0;
    const length = (options[offset + 1] ?? 0) * 8;
    if (length === 0) {
      return `option type ${type} at offset ${offset} has length 0`;
    }
    if (options.length - offset < length) {
      return truncatedReason(options.length - offset, length, `option type ${type}`);
    }
    // Link-layer address options contain the address from byte 2 to the end, 6 bytes for Ethernet.
    if (type === 1) {
      value.sourceLinkAddress = formatMac(options, offset + 2, length === 8 ? 6 : length - 2);
    } else if (type === 2) {
      value.targetLinkAddress = formatMac(options, offset + 2, length === 8 ? 6 : length - 2);
    } else if (type === 3 && length === 32) {
      value.prefixes = [...(value.prefixes ?? []), decodePrefixOption(options, view, offset)];
    } else if (type === 5 && length === 8) {
      value.mtu = view.getUint32(offset + 4);
    }
    offset += length;
  }
  return undefined;
}

function decodePrefixOption(options: Uint8Array, view: DataView, offset: number): Icmp6Prefix {
  const flags = options[offset + 3] ?? 0;
  return {
    prefixLength: options[offset + 2] ?? 0,
    onLink: (flags & 0x80) !== 0,
    autonomous: (flags & 0x40) !== 0,
    validLifetime: view.getUint32(offset + 4),
    preferredLifetime: view.getUint32(offset + 8),
    prefix: formatIpv6(options, offset + 16),
  };
}

function decodeQuotedIpv4(data: Uint8Array): QuotedPacket | undefined {
  if (data.length < 20 || (data[0] ?? 0) >>> 4 !== 4) {
    return undefined;
  }
  const headerLength = ((data[0] ?? 0) & 0x0f) * 4;
  const quoted: QuotedPacket = { src: formatIpv4(data, 12), dst: formatIpv4(data, 16), proto: data[9] ?? 0 };
  addQuotedPorts(data, headerLength, quoted);
  return quoted;
}

function decodeQuotedIpv6(data: Uint8Array): QuotedPacket | undefined {
  if (data.length < 40 || (data[0] ?? 0) >>> 4 !== 6) {
    return undefined;
  }
  const quoted: QuotedPacket = { src: formatIpv6(data, 8), dst: formatIpv6(data, 24), proto: data[6] ?? 0 };
  addQuotedPorts(data, 40, quoted);
  return quoted;
}

// TCP, UDP, DCCP and SCTP all start with the source and destination ports.
function addQuotedPorts(data: Uint8Array, headerLength: number, quoted: QuotedPacket): void {
  const carriesPorts = quoted.proto === 6 || quoted.proto === 17 || quoted.proto === 33 || quoted.proto === 132;
  if (carriesPorts && headerLength >= 20 && data.length >= headerLength + 4) {
    const view = viewOf(data);
    quoted.srcPort = view.getUint16(headerLength);
    quoted.dstPort = view.getUint16(headerLength + 2);
  }
}
