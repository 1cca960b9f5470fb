// tcpdump-style text for IPv4 and IPv6 packets and the TCP, UDP, DHCP and DNS messages in them.
import { summarizeIcmp, summarizeIcmp6 } from './summary-icmp.ts';
import type {
  DecodedFrame,
  DhcpMessage,
  DnsMessage,
  IpHeader,
  Ipv6Header,
  LayerName,
  TcpOption,
  TcpSegment,
} from './layers.ts';

// Layer names as tcpdump prints them in its `[|name]` truncation marker.
const TRUNCATION_NAMES: Record<LayerName, string> = {
  link: 'link',
  eth: 'ether',
  vlan: 'vlan',
  arp: 'arp',
  ip: 'ip',
  icmp: 'icmp',
  icmp6: 'icmp6',
  tcp: 'tcp',
  udp: 'udp',
  dhcp: 'bootp',
  dns: 'domain',
};

const IPV6_EXTENSION_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'HBH'],
  [43, 'RT6'],
  [51, 'AH'],
  [60, 'DSTOPT'],
  [135, 'MOBILITY'],
]);

// DHCP message names as tcpdump -v prints option 53.
const DHCP_MESSAGE_NAMES: Record<string, string> = {
  DISCOVER: 'Discover',
  OFFER: 'Offer',
  REQUEST: 'Request',
  DECLINE: 'Decline',
  ACK: 'ACK',
  NAK: 'NACK',
  RELEASE: 'Release',
  INFORM: 'Inform',
};

// DNS type names that tcpdump 4.99.3 prints. Other types print as `TypeN`.
const DNS_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'A'],
  [2, 'NS'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [12, 'PTR'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
  [35, 'NAPTR'],
  [41, 'OPT'],
  [43, 'DS'],
  [46, 'RRSIG'],
  [47, 'NSEC'],
  [48, 'DNSKEY'],
  [99, 'SPF'],
  [252, 'AXFR'],
  [255, 'ANY'],
]);

const DNS_RCODE_NAMES: readonly string[] = [
  '',
  'FormErr',
  'ServFail',
  'NXDomain',
  'NotImp',
  'Refused',
  'YXDomain',
  'YXRRSet',
  'NXRRSet',
  'NotAuth',
  'NotZone',
];

/** Returns tcpdump's truncation marker and the cause when decoding stopped at `layer`, else ''. */
export function malformedMark(frame: DecodedFrame, layer: LayerName): string {
  const malformed = frame.malformed;
  if (malformed?.layer !== layer) {
    return '';
  }
  const name = layer === 'ip' && frame.etherType === 0x86dd ? 'ip6' : TRUNCATION_NAMES[layer];
  return `[|${name}] (${malformed.reason})`;
}

/**
 * Formats the IP part of a frame, e.g. `198.18.0.2.41234 > 198.18.1.2.80: Flags [S], ...`.
 * The caller adds the `IP ` or `IP6 ` word. For IPv6 with extension headers the ports
 * follow the header names, as in tcpdump (`a > b: HBH 41234 > 80: ...`).
 */
export function summarizeIpPacket(frame: DecodedFrame, ip: IpHeader): string {
  const ports = frame.tcp ?? frame.udp;
  const extensions = ip.version === 6 ? summarizeExtensions(ip) : '';
  let head: string;
  if (ports === undefined) {
    head = `${ip.src} > ${ip.dst}: ${extensions}`;
  } else if (extensions === '') {
    head = `${ip.src}.${ports.srcPort} > ${ip.dst}.${ports.dstPort}: `;
  } else {
    head = `${ip.src} > ${ip.dst}: ${extensions}${ports.srcPort} > ${ports.dstPort}: `;
  }

  let text = `${head}${summarizePayload(frame, ip)}`.trimEnd();
  if (ip.version === 4 && (ip.moreFragments || ip.fragmentOffset > 0)) {
    text += ` (frag ${ip.id}:${ip.payloadLength}@${ip.fragmentOffset}${ip.moreFragments ? '+' : ''})`;
  }
  return text;
}

function summarizeExtensions(ip: Ipv6Header): string {
  const names = ip.extensionHeaders.map((proto) => {
    if (proto === 44) {
      return `frag (${ip.fragment?.offset}|${ip.fragment?.length})`;
    }
    return IPV6_EXTENSION_NAMES.get(proto) ?? `ext-${proto}`;
  });
  return names.map((name) => `${name} `).join('');
}

function summarizePayload(frame: DecodedFrame, ip: IpHeader): string {
  if (frame.malformed?.layer === 'ip') {
    return malformedMark(frame, 'ip');
  }
  if (ip.fragmentOffset > 0) {
    return ip.version === 4 ? `ip-proto-${ip.proto}` : '';
  }
  if (frame.icmp !== undefined) {
    return `${summarizeIcmp(frame.icmp)}${spaced(malformedMark(frame, 'icmp'))}`;
  }
  if (frame.icmp6 !== undefined) {
    return summarizeIcmp6Frame(frame);
  }
  if (frame.tcp !== undefined) {
    return summarizeTcp(frame.tcp);
  }
  if (frame.udp !== undefined) {
    return summarizeUdp(frame);
  }
  const malformed = frame.malformed;
  if (malformed !== undefined) {
    return malformedMark(frame, malformed.layer);
  }
  return `ip-proto-${ip.proto} ${ip.payloadLength}`;
}

// A message cut short after its type keeps tcpdump's form `ICMP6, <type> [|icmp6]`.
function summarizeIcmp6Frame(frame: DecodedFrame): string {
  const icmp6 = frame.icmp6;
  if (icmp6 === undefined) {
    return '';
  }
  if (frame.malformed?.layer === 'icmp6') {
    return `ICMP6, ${icmp6.typeName} ${malformedMark(frame, 'icmp6')}`;
  }
  return summarizeIcmp6(icmp6);
}

/**
 * Formats a TCP segment like `tcpdump -S` (absolute sequence numbers), e.g.
 * `Flags [P.], seq 1:101, ack 1, win 502, length 100`.
 */
export function summarizeTcp(tcp: TcpSegment): string {
  const parts = [`Flags [${tcp.flagsText}]`];
  if (tcp.payloadLength > 0) {
    parts.push(`seq ${tcp.seq}:${(tcp.seq + tcp.payloadLength) >>> 0}`);
  } else if (tcp.flags.syn || tcp.flags.fin || tcp.flags.rst) {
    parts.push(`seq ${tcp.seq}`);
  }
  if (tcp.flags.ack) {
    parts.push(`ack ${tcp.ack}`);
  }
  parts.push(`win ${tcp.window}`);
  if (tcp.flags.urg) {
    parts.push(`urg ${tcp.urgentPointer}`);
  }
  if (tcp.options.length > 0) {
    parts.push(`options [${tcp.options.map(formatTcpOption).join(',')}]`);
  }
  parts.push(`length ${tcp.payloadLength}`);
  return parts.join(', ');
}

function formatTcpOption(option: TcpOption): string {
  switch (option.kind) {
    case 'mss':
      return `mss ${option.value}`;
    case 'wscale':
      return `wscale ${option.shift}`;
    case 'sack':
      return `sack ${option.blocks.length} ${option.blocks.map(([left, right]) => `{${left}:${right}}`).join('')}`;
    case 'TS':
      return `TS val ${option.value} ecr ${option.echo}`;
    case 'unknown':
      return `unknown-${option.code} 0x${Buffer.from(option.data).toString('hex')}`;
    default:
      return option.kind;
  }
}

function summarizeUdp(frame: DecodedFrame): string {
  const udp = frame.udp;
  if (udp === undefined) {
    return '';
  }
  if (frame.dhcp !== undefined) {
    const dhcp = frame.dhcp;
    const type = dhcp.messageType === undefined ? '' : `, DHCP-${DHCP_MESSAGE_NAMES[dhcp.messageType]}`;
    return `BOOTP/DHCP, ${describeBootpOperation(dhcp)}, length ${udp.payloadLength}${type}`;
  }
  if (frame.dns !== undefined) {
    return `${summarizeDns(frame.dns)} (${udp.payloadLength})`;
  }
  if (frame.malformed?.layer === 'dhcp') {
    return `BOOTP/DHCP ${malformedMark(frame, 'dhcp')}`;
  }
  return `UDP, length ${udp.payloadLength}${spaced(malformedMark(frame, 'udp'))}${spaced(malformedMark(frame, 'dns'))}`;
}

function describeBootpOperation(dhcp: DhcpMessage): string {
  if (dhcp.op === 'request') {
    return `Request from ${dhcp.chaddr}`;
  }
  return dhcp.op === 'reply' ? 'Reply' : 'op unknown';
}

/**
 * Formats a DNS header like tcpdump: `4660+ A? example.com.` for a query and
 * `4660 NXDomain 0/1/0` for a response. NOTE: resource records are not decoded, so a
 * response lacks the records that tcpdump lists after the counts.
 */
export function summarizeDns(dns: DnsMessage): string {
  const opcode = dns.opcode === 0 ? '' : ` op${dns.opcode}`;
  if (dns.isResponse) {
    const rcode = DNS_RCODE_NAMES[dns.rcode] ?? `Resp${dns.rcode}`;
    const flags = `${dns.authoritative ? '*' : ''}${dns.recursionAvailable ? '' : '-'}${dns.truncatedFlag ? '|' : ''}`;
    const counts = `${dns.answerCount}/${dns.authorityCount}/${dns.additionalCount}`;
    return `${dns.id}${opcode}${rcode === '' ? '' : ` ${rcode}`}${flags} ${counts}`;
  }
  let text = `${dns.id}${opcode}${dns.recursionDesired ? '+' : ''}${dns.checkingDisabled ? '%' : ''}`;
  if (dns.questionCount !== 1) {
    text += ` [${dns.questionCount}q]`;
  }
  if (dns.answerCount > 0) {
    text += ` [${dns.answerCount}a]`;
  }
  if (dns.authorityCount > 0) {
    text += ` [${dns.authorityCount}n]`;
  }
  if (dns.additionalCount > 0) {
    text += ` [${dns.additionalCount}au]`;
  }
  if (dns.question !== undefined) {
    const type = DNS_TYPE_NAMES.get(dns.question.type) ?? `Type${dns.question.type}`;
    text += ` ${type}? ${dns.question.name}`;
  }
  return text;
}

function spaced(text: string): string {
  return text === '' ? '' : ` ${text}`;
}
