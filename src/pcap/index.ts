// Classic pcap reading, frame decoding and tcpdump-style summaries.
export { PcapError, type PcapErrorCode } from './errors.ts';
export {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_RAW,
  PCAP_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  parsePcapHeader,
  parsePcapRecords,
  type ByteOrder,
  type PcapHeader,
  type PcapRecord,
  type PcapRecordBatch,
  type TimestampPrecision,
} from './format.ts';
export { PcapFileReader, readPcapBuffer, readPcapFile, type PcapCapture, type ReadNewOptions } from './reader.ts';
export { formatIpv4, formatIpv6, formatMac } from './address.ts';
export {
  decodeFrame,
  decodeRecord,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IP_PROTO,
  type DecodeOptions,
} from './decode.ts';
export { formatTcpFlags } from './decode-transport.ts';
export type {
  ArpPacket,
  DecodedFrame,
  DhcpMessage,
  DhcpMessageType,
  DnsMessage,
  EthernetHeader,
  Icmp6Message,
  Icmp6Prefix,
  IcmpMessage,
  IpHeader,
  Ipv4Header,
  Ipv4Option,
  Ipv6Fragment,
  Ipv6Header,
  LayerName,
  MalformedLayer,
  NeighborAdvertisementFlags,
  QuotedPacket,
  RouterAdvertisement,
  TcpFlags,
  TcpOption,
  TcpSegment,
  UdpDatagram,
  VlanTag,
} from './layers.ts';
export {
  formatFrameList,
  summarizeArp,
  summarizeFrame,
  type FrameListOptions,
  type SummaryOptions,
} from './summary.ts';
export { summarizeDns, summarizeTcp } from './summary-ip.ts';
export { summarizeIcmp, summarizeIcmp6 } from './summary-icmp.ts';
