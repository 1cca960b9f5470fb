// Builders of frames and pcap files for the pcap tests. Checksums are filled in for IPv4 and
// ICMP only, because tcpdump verifies checksums only with -v and the decoder never does.

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Parses `52:54:00:12:34:56` into 6 bytes. */
export function mac(text: string): Uint8Array {
  return Uint8Array.from(text.split(':').map((part) => Number.parseInt(part, 16)));
}

/** Parses a dotted-quad IPv4 address into 4 bytes. */
export function ipv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/** Parses an IPv6 address with at most one `::` (no dotted tail) into 16 bytes. */
export function ipv6(text: string): Uint8Array {
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  const out = new Uint8Array(16);
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    out[index * 2] = value >> 8;
    out[index * 2 + 1] = value & 0xff;
  });
  return out;
}

/** Encodes 16-bit big-endian values. */
export function u16(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((value, index) => view.setUint16(index * 2, value));
  return out;
}

/** Encodes 32-bit big-endian values. */
export function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((value, index) => view.setUint32(index * 4, value >>> 0));
  return out;
}

/** Computes the Internet checksum (RFC 1071) of `data`. */
export function internetChecksum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) {
    sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
  }
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

export const MAC_A = '52:54:00:00:00:0a';
export const MAC_B = '52:54:00:00:00:0b';

/** Ethernet header fields; `vlan` lists tags outermost first. */
export interface EthernetSpec {
  dst?: string;
  src?: string;
  type: number;
  vlan?: Array<{ vid: number; pcp?: number; tpid?: number }>;
}

/** Builds an Ethernet II frame, with optional VLAN tags, around `payload`. */
export function ethernet(spec: EthernetSpec, payload: Uint8Array): Uint8Array {
  const tags = (spec.vlan ?? []).map((tag, index, all) => {
    const next = all[index + 1]?.tpid ?? (index + 1 < all.length ? 0x8100 : spec.type);
    return concat(u16(((tag.pcp ?? 0) << 13) | tag.vid), u16(next));
  });
  const firstType = spec.vlan?.[0] === undefined ? spec.type : (spec.vlan[0].tpid ?? 0x8100);
  return concat(mac(spec.dst ?? MAC_B), mac(spec.src ?? MAC_A), u16(firstType), ...tags, payload);
}

/** IPv4 header fields. */
export interface Ipv4Spec {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  id?: number;
  tos?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  /** Option bytes, padded here to a multiple of 4. */
  options?: Uint8Array;
  /** Overrides the computed total length. */
  totalLength?: number;
}

/** Builds an IPv4 packet with a valid header checksum. */
export function ipv4Packet(spec: Ipv4Spec, payload: Uint8Array): Uint8Array {
  const options = spec.options ?? new Uint8Array(0);
  const padded = concat(options, new Uint8Array((4 - (options.length % 4)) % 4));
  const headerLength = 20 + padded.length;
  const flags = (spec.dontFragment ? 0x4000 : 0) | (spec.moreFragments ? 0x2000 : 0);
  const header = concat(
    Uint8Array.of(0x40 | (headerLength / 4), spec.tos ?? 0),
    u16(spec.totalLength ?? headerLength + payload.length, spec.id ?? 1, flags | ((spec.fragmentOffset ?? 0) / 8)),
    Uint8Array.of(spec.ttl ?? 64, spec.proto),
    u16(0),
    ipv4(spec.src),
    ipv4(spec.dst),
    padded,
  );
  new DataView(header.buffer).setUint16(10, internetChecksum(header));
  return concat(header, payload);
}

/** IPv6 header fields; `extensions` are raw extension headers placed before the payload. */
export interface Ipv6Spec {
  src: string;
  dst: string;
  nextHeader: number;
  hopLimit?: number;
  extensions?: Uint8Array;
  /** Overrides the computed payload length. */
  payloadLength?: number;
}

/** Builds an IPv6 packet. */
export function ipv6Packet(spec: Ipv6Spec, payload: Uint8Array): Uint8Array {
  const extensions = spec.extensions ?? new Uint8Array(0);
  return concat(
    u32(0x6000_0000),
    u16(spec.payloadLength ?? extensions.length + payload.length),
    Uint8Array.of(spec.nextHeader, spec.hopLimit ?? 64),
    ipv6(spec.src),
    ipv6(spec.dst),
    extensions,
    payload,
  );
}

/** Builds an IPv6 extension header of `totalLength` bytes (a multiple of 8) with the given next header. */
export function ipv6Extension(nextHeader: number, totalLength = 8): Uint8Array {
  const out = new Uint8Array(totalLength);
  out[0] = nextHeader;
  out[1] = totalLength / 8 - 1;
  return out;
}

/** Builds an IPv6 fragment header. */
export function ipv6FragmentHeader(nextHeader: number, offset: number, more: boolean, id: number): Uint8Array {
  return concat(Uint8Array.of(nextHeader, 0), u16(offset | (more ? 1 : 0)), u32(id));
}

/** Builds an ICMP message with a valid checksum from its type, code, second header word and body. */
export function icmpMessage(type: number, code: number, rest: Uint8Array, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const message = concat(Uint8Array.of(type, code), u16(0), rest, body);
  new DataView(message.buffer).setUint16(2, internetChecksum(message));
  return message;
}

/** Builds an ICMP echo request (type 8) or reply (type 0). */
export function icmpEcho(type: 0 | 8, id: number, seq: number, body: Uint8Array = new Uint8Array(56)): Uint8Array {
  return icmpMessage(type, 0, u16(id, seq), body);
}

/** Builds an ICMPv6 message; the checksum stays 0 because it covers a pseudo-header. */
export function icmp6Message(type: number, code: number, body: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(type, code), u16(0), body);
}

/** TCP header fields; `flags` is the flag byte. */
export interface TcpSpec {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  flags: number;
  window?: number;
  urgentPointer?: number;
  /** Option bytes, padded here with EOL to a multiple of 4. */
  options?: Uint8Array;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** Builds a TCP segment (checksum 0). */
export function tcpSegment(spec: TcpSpec, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const options = spec.options ?? new Uint8Array(0);
  const padded = concat(options, new Uint8Array((4 - (options.length % 4)) % 4));
  const headerLength = 20 + padded.length;
  return concat(
    u16(spec.srcPort, spec.dstPort),
    u32(spec.seq ?? 0, spec.ack ?? 0),
    Uint8Array.of((headerLength / 4) << 4, spec.flags),
    u16(spec.window ?? 64240, 0, spec.urgentPointer ?? 0),
    padded,
    payload,
  );
}

/** Builds a UDP datagram (checksum 0); `length` overrides the length field. */
export function udpDatagram(srcPort: number, dstPort: number, payload: Uint8Array, length?: number): Uint8Array {
  return concat(u16(srcPort, dstPort, length ?? 8 + payload.length, 0), payload);
}

/** ARP fields for Ethernet and IPv4. */
export interface ArpSpec {
  operation: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** Builds an Ethernet/IPv4 ARP packet (28 bytes). */
export function arpPacket(spec: ArpSpec): Uint8Array {
  return concat(
    u16(1, 0x0800),
    Uint8Array.of(6, 4),
    u16(spec.operation),
    mac(spec.senderMac),
    ipv4(spec.senderIp),
    mac(spec.targetMac),
    ipv4(spec.targetIp),
  );
}

/** BOOTP/DHCP fields; `options` are raw option bytes placed after the magic cookie and before END. */
export interface DhcpSpec {
  op: 1 | 2;
  xid: number;
  chaddr: string;
  ciaddr?: string;
  yiaddr?: string;
  broadcast?: boolean;
  options?: Uint8Array;
  /** Omits the magic cookie and options, as plain BOOTP does. */
  bootpOnly?: boolean;
}

/** Builds a DHCP option from its code and value bytes. */
export function dhcpOption(code: number, ...values: Uint8Array[]): Uint8Array {
  const value = concat(...values);
  return concat(Uint8Array.of(code, value.length), value);
}

/** Builds a BOOTP/DHCP message, padded to the 300 bytes that most clients send. */
export function dhcpMessage(spec: DhcpSpec): Uint8Array {
  const chaddr = new Uint8Array(16);
  chaddr.set(mac(spec.chaddr));
  const fixed = concat(
    Uint8Array.of(spec.op, 1, 6, 0),
    u32(spec.xid),
    u16(0, spec.broadcast ? 0x8000 : 0),
    ipv4(spec.ciaddr ?? '0.0.0.0'),
    ipv4(spec.yiaddr ?? '0.0.0.0'),
    ipv4('0.0.0.0'),
    ipv4('0.0.0.0'),
    chaddr,
    new Uint8Array(64 + 128),
  );
  const body = spec.bootpOnly
    ? fixed
    : concat(fixed, u32(0x63825363), spec.options ?? new Uint8Array(0), Uint8Array.of(255));
  return concat(body, new Uint8Array(Math.max(300 - body.length, 0)));
}

/** Encodes a domain name as DNS labels. */
export function dnsName(name: string): Uint8Array {
  const labels = name.split('.').filter((label) => label !== '');
  return concat(...labels.map((label) => concat(Uint8Array.of(label.length), new TextEncoder().encode(label))), Uint8Array.of(0));
}

/** Builds a DNS query with one question (class IN) and the RD flag. */
export function dnsQuery(id: number, name: string, type: number): Uint8Array {
  return concat(u16(id, 0x0100, 1, 0, 0, 0), dnsName(name), u16(type, 1));
}

/** Pcap file layout choices. */
export interface PcapSpec {
  littleEndian?: boolean;
  nanosecond?: boolean;
  snaplen?: number;
  linkType?: number;
}

/** One record: data plus optional timestamp (ns since the epoch) and original length. */
export interface RecordSpec {
  data: Uint8Array;
  timestampNs?: bigint;
  originalLength?: number;
}

/** Builds the 24-byte global header. */
export function pcapHeader(spec: PcapSpec = {}): Uint8Array {
  const out = new Uint8Array(24);
  const view = new DataView(out.buffer);
  const little = spec.littleEndian ?? true;
  view.setUint32(0, spec.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, little);
  view.setUint16(4, 2, little);
  view.setUint16(6, 4, little);
  view.setUint32(16, spec.snaplen ?? 65535, little);
  view.setUint32(20, spec.linkType ?? 1, little);
  return out;
}

/** Builds one record header plus data. */
export function pcapRecord(record: RecordSpec, spec: PcapSpec = {}): Uint8Array {
  const head = new Uint8Array(16);
  const view = new DataView(head.buffer);
  const little = spec.littleEndian ?? true;
  const timestamp = record.timestampNs ?? 1_700_000_000_123_456_000n;
  const seconds = Number(timestamp / 1_000_000_000n);
  const nanoseconds = Number(timestamp % 1_000_000_000n);
  view.setUint32(0, seconds, little);
  view.setUint32(4, spec.nanosecond ? nanoseconds : Math.floor(nanoseconds / 1000), little);
  view.setUint32(8, record.data.length, little);
  view.setUint32(12, record.originalLength ?? record.data.length, little);
  return concat(head, record.data);
}

/** Builds a whole pcap file. */
export function pcapFile(records: RecordSpec[], spec: PcapSpec = {}): Uint8Array {
  return concat(pcapHeader(spec), ...records.map((record) => pcapRecord(record, spec)));
}
