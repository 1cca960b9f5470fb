// Types of the decoded protocol layers, which the decoders in decode*.ts fill.

/** Name of a protocol layer, as used in {@link DecodedFrame.layers} and {@link MalformedLayer.layer}. */
export type LayerName =
  | 'link'
  | 'eth'
  | 'vlan'
  | 'arp'
  | 'ip'
  | 'icmp'
  | 'icmp6'
  | 'tcp'
  | 'udp'
  | 'dhcp'
  | 'dns';

/** Layer at which decoding stopped because its bytes were cut short or invalid. */
export interface MalformedLayer {
  layer: LayerName;
  /** Human-readable cause, e.g. `truncated header: 10 of 20 bytes`. */
  reason: string;
  /** Offset of the layer's first byte within the frame. */
  offset: number;
}

/** Ethernet II header. */
export interface EthernetHeader {
  /** Destination MAC address, lowercase with colons. */
  dst: string;
  /** Source MAC address, lowercase with colons. */
  src: string;
  /**
   * EtherType field of the Ethernet header itself, e.g. 0x8100 for a VLAN-tagged frame.
   * {@link DecodedFrame.etherType} is the type after all VLAN tags. Values below 0x0600 are
   * IEEE 802.3 length fields.
   */
  type: number;
}

/** IEEE 802.1Q (or 802.1ad) VLAN tag. */
export interface VlanTag {
  /** Tag protocol identifier: 0x8100, 0x88a8 or 0x9100. */
  tpid: number;
  /** Priority code point (0-7). */
  pcp: number;
  /** Drop eligible indicator. */
  dei: boolean;
  /** VLAN identifier (0-4095). */
  vid: number;
  /** EtherType that follows the tag. */
  type: number;
}

/** ARP packet. Addresses are formatted as MAC and IPv4 when the lengths are 6 and 4, else as colon-separated hex. */
export interface ArpPacket {
  hardwareType: number;
  protocolType: number;
  hardwareLength: number;
  protocolLength: number;
  /** Operation code: 1 request, 2 reply, 3/4 RARP request/reply, 8/9 InARP request/reply. */
  operation: number;
  /** Operation name: `request`, `reply`, `rarp-request`, `rarp-reply`, `inarp-request`, `inarp-reply` or `op-N`. */
  operationName: string;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
  /** Bytes from the start of the ARP packet to the end of the frame on the wire, including Ethernet padding. */
  length: number;
}

/** Fields that IPv4 and IPv6 headers share. */
interface IpHeaderBase {
  src: string;
  dst: string;
  /** Upper-layer protocol number: IPv4 protocol, or the IPv6 next header after all skipped extension headers. */
  proto: number;
  /** IPv4 time to live, or IPv6 hop limit. */
  ttl: number;
  /** Bytes after the IP header (and, for IPv6, after extension headers) as the header declares them. */
  payloadLength: number;
  /** Fragment offset in bytes, 0 for an unfragmented packet or a first fragment. */
  fragmentOffset: number;
  /** Whether more fragments follow. */
  moreFragments: boolean;
  /** Whether the capture ends before the length that the header declares. */
  truncated: boolean;
}

/** IPv4 option in the IPv4 header. */
export interface Ipv4Option {
  /** Option type octet, e.g. 7 record route, 148 router alert. */
  type: number;
  /** Total option length in bytes, 1 for EOL and NOP. */
  length: number;
  /** Option bytes after type and length. */
  data: Uint8Array;
}

/** IPv4 header. */
export interface Ipv4Header extends IpHeaderBase {
  version: 4;
  /** Header length in bytes, including options. */
  headerLength: number;
  /** Type of service octet (DSCP and ECN). */
  tos: number;
  /** Total length field. The decoder replaces a value of 0 (TCP segmentation offload) by the captured length. */
  totalLength: number;
  id: number;
  dontFragment: boolean;
  checksum: number;
  options: Ipv4Option[];
  /** Whether an option's length byte points outside the header, which ends option parsing. */
  optionsMalformed: boolean;
}

/** IPv6 fragment extension header. */
export interface Ipv6Fragment {
  id: number;
  /** Offset in bytes. */
  offset: number;
  moreFragments: boolean;
  /** Bytes after the fragment header, as the payload length declares them. */
  length: number;
}

/** IPv6 fixed header, with the extension headers that were skipped. */
export interface Ipv6Header extends IpHeaderBase {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  /** Next header field of the fixed header. */
  nextHeader: number;
  /** Same value as `ttl`. */
  hopLimit: number;
  /**
   * Protocol numbers of the skipped extension headers in order: 0 hop-by-hop, 43 routing,
   * 44 fragment, 51 AH, 60 destination options, 135 mobility.
   */
  extensionHeaders: number[];
  /** Fixed header plus extension headers, in bytes. */
  headerLength: number;
  fragment?: Ipv6Fragment;
}

/** IPv4 or IPv6 header, discriminated by `version`. */
export type IpHeader = Ipv4Header | Ipv6Header;

/** Addresses and ports of the packet quoted in an ICMP or ICMPv6 error message. */
export interface QuotedPacket {
  src: string;
  dst: string;
  proto: number;
  srcPort?: number;
  dstPort?: number;
}

/** ICMP (IPv4) message. */
export interface IcmpMessage {
  type: number;
  code: number;
  checksum: number;
  /** Name as tcpdump prints it, e.g. `echo request`, `unreachable`, or `type-#N`. */
  typeName: string;
  /** ICMP message length in bytes, header included, as the IP header declares it. */
  length: number;
  /** Identifier of echo and timestamp messages. */
  id?: number;
  /** Sequence number of echo and timestamp messages. */
  seq?: number;
  /** Next-hop MTU of a "fragmentation needed" unreachable message (code 4). */
  mtu?: number;
  /** Gateway address of a redirect. */
  gateway?: string;
  /** Offset of the offending octet in a parameter problem message. */
  pointer?: number;
  /** Packet quoted by an error message (unreachable, redirect, time exceeded, parameter problem). */
  quoted?: QuotedPacket;
}

/** IPv6 prefix information option of a router advertisement. */
export interface Icmp6Prefix {
  prefix: string;
  prefixLength: number;
  onLink: boolean;
  autonomous: boolean;
  /** Valid lifetime in seconds, where 0xffffffff is infinity. */
  validLifetime: number;
  /** Preferred lifetime in seconds, where 0xffffffff is infinity. */
  preferredLifetime: number;
}

/** Router advertisement fields after the ICMPv6 header. */
export interface RouterAdvertisement {
  curHopLimit: number;
  /** M flag: addresses are available via DHCPv6. */
  managed: boolean;
  /** O flag: other configuration is available via DHCPv6. */
  other: boolean;
  /** Router lifetime in seconds. 0 means that the sender is not a default router. */
  routerLifetime: number;
  /** Reachable time in milliseconds. */
  reachableTime: number;
  /** Retransmission timer in milliseconds. */
  retransTimer: number;
}

/** Neighbor advertisement flags. */
export interface NeighborAdvertisementFlags {
  router: boolean;
  solicited: boolean;
  override: boolean;
}

/** ICMPv6 message, with neighbor discovery fields where the type has them. */
export interface Icmp6Message {
  type: number;
  code: number;
  checksum: number;
  /** Name as tcpdump prints it, e.g. `echo request`, `neighbor solicitation`, or `unknown icmp6 type (N)`. */
  typeName: string;
  /** ICMPv6 message length in bytes, header included, as the IPv6 header declares it. */
  length: number;
  id?: number;
  seq?: number;
  /** Target address of neighbor solicitation, neighbor advertisement and redirect. */
  target?: string;
  /** Destination address of a redirect. */
  destination?: string;
  /** Flags of a neighbor advertisement. */
  neighborFlags?: NeighborAdvertisementFlags;
  /** Fields of a router advertisement. */
  routerAdvertisement?: RouterAdvertisement;
  /** Source link-layer address option (type 1). */
  sourceLinkAddress?: string;
  /** Target link-layer address option (type 2). */
  targetLinkAddress?: string;
  /** Prefix information options (type 3). */
  prefixes?: Icmp6Prefix[];
  /** MTU of a packet-too-big message, or of an MTU option (type 5). */
  mtu?: number;
  /** Offset of the offending octet in a parameter problem message. */
  pointer?: number;
  /** Packet quoted by an error message (types 1-4). */
  quoted?: QuotedPacket;
}

/** TCP control flags. */
export interface TcpFlags {
  fin: boolean;
  syn: boolean;
  rst: boolean;
  psh: boolean;
  ack: boolean;
  urg: boolean;
  ece: boolean;
  cwr: boolean;
}

/** TCP option, with tcpdump's names as `kind`. */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'TS'; value: number; echo: number }
  | { kind: 'unknown'; code: number; data: Uint8Array };

/** TCP segment header and payload. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Header length in bytes, options included. */
  headerLength: number;
  flags: TcpFlags;
  /** The 8 flag bits as a number (FIN = 0x01 ... CWR = 0x80). */
  flagBits: number;
  /** Flags in tcpdump's letters without brackets, e.g. `S.` for SYN-ACK or `none`. */
  flagsText: string;
  window: number;
  checksum: number;
  urgentPointer: number;
  options: TcpOption[];
  /** Payload bytes as the IP length declares them. */
  payloadLength: number;
  /** Captured payload bytes, shorter than `payloadLength` when `truncated`. */
  payload: Uint8Array;
  truncated: boolean;
}

/** UDP datagram header and payload. */
export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** Length field: header plus payload. */
  length: number;
  checksum: number;
  /** `length` minus the 8-byte header. */
  payloadLength: number;
  /** Captured payload bytes, shorter than `payloadLength` when `truncated`. */
  payload: Uint8Array;
  truncated: boolean;
}

/** DHCP message type of option 53. */
export type DhcpMessageType =
  | 'DISCOVER'
  | 'OFFER'
  | 'REQUEST'
  | 'DECLINE'
  | 'ACK'
  | 'NAK'
  | 'RELEASE'
  | 'INFORM';

/** BOOTP/DHCP message (RFC 2131) with the commonly asserted options. */
export interface DhcpMessage {
  /** BOOTP op: `request` (1, client to server) or `reply` (2). */
  op: 'request' | 'reply' | 'unknown';
  xid: number;
  secs: number;
  broadcast: boolean;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Client hardware address, formatted with the length given by the hlen field (at most 16). */
  chaddr: string;
  /** Option 53 as a name, absent for plain BOOTP and for codes outside 1-8. */
  messageType?: DhcpMessageType;
  /** Raw value of option 53. */
  messageTypeCode?: number;
  /** Option 50. */
  requestedIp?: string;
  /** Option 54. */
  serverId?: string;
  /** Option 51, in seconds. */
  leaseTime?: number;
  /** Option 1. */
  subnetMask?: string;
  /** Option 3. */
  routers?: string[];
  /** Option 6. */
  dnsServers?: string[];
  /** Option 12. */
  hostname?: string;
  /** Whether the options area ended inside an option. */
  optionsTruncated: boolean;
}

/** DNS message header and first question. */
export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  rcode: number;
  authoritative: boolean;
  truncatedFlag: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  checkingDisabled: boolean;
  questionCount: number;
  answerCount: number;
  authorityCount: number;
  additionalCount: number;
  /** First question, when it could be parsed. */
  question?: { name: string; type: number; class: number };
}

/** Result of decoding one frame, with every layer that could be decoded. */
export interface DecodedFrame {
  /** LINKTYPE_ value that the frame was decoded as. */
  linkType: number;
  capturedLength: number;
  originalLength: number;
  /** Capture time in nanoseconds since the Unix epoch, when the frame came from a record. */
  timestampNs?: bigint;
  /** Names of the decoded layers in order, e.g. `['eth', 'vlan', 'ip', 'tcp']`. */
  layers: LayerName[];
  eth?: EthernetHeader;
  /** VLAN tags, outermost first, and empty for untagged frames. */
  vlan: VlanTag[];
  /** EtherType of the network layer after all VLAN tags. */
  etherType?: number;
  arp?: ArpPacket;
  ip?: IpHeader;
  icmp?: IcmpMessage;
  icmp6?: Icmp6Message;
  tcp?: TcpSegment;
  udp?: UdpDatagram;
  dhcp?: DhcpMessage;
  dns?: DnsMessage;
  /**
   * Layer where decoding stopped, with the cause. The layer's own object is present when
   * its fixed header was complete, e.g. an IPv6 header whose extension header is cut short.
   */
  malformed?: MalformedLayer;
}
