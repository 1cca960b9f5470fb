import { malformedMark, summarizeIpPacket } from './summary-ip.ts';
import type { ArpPacket, DecodedFrame } from './layers.ts';

/** Options of {@link summarizeFrame} and {@link formatFrameList}. */
export interface SummaryOptions {
  /**
   * Timestamp in front of the line: `none` (default), `utc` for `HH:MM:SS.ffffff` in UTC
   * (what `TZ=UTC tcpdump` prints), or `epoch` for seconds since the epoch (`tcpdump -tt`).
   * Frames without `timestampNs` get no timestamp.
   */
  timestamp?: 'none' | 'utc' | 'epoch';
  /** Fraction digits of the timestamp: 6 (default) or 9. */
  timestampDigits?: 6 | 9;
  /**
   * Whether to start with the Ethernet header, as `tcpdump -e` does:
   * `52:54:00:00:00:0a > 52:54:00:00:00:0b, ethertype IPv4 (0x0800), length 98: ...`.
   */
  ethernet?: boolean;
}

/** Options of {@link formatFrameList}. */
export interface FrameListOptions extends SummaryOptions {
  /** Maximum number of frame lines, default 20. A final `... and K more` line counts the rest. */
  maxLines?: number;
}

// EtherType names as tcpdump prints them. Others print as `Unknown`.
const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x8035, 'Reverse ARP'],
  [0x86dd, 'IPv6'],
  [0x8100, '802.1Q'],
  [0x88a8, '802.1Q-QinQ'],
  [0x9100, '802.1Q-9100'],
  [0x88cc, 'LLDP'],
]);

/**
 * Formats one frame as a line like `tcpdump -n` prints it, e.g.
 * `IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 1, length 64`.
 *
 * Deliberate differences from tcpdump 4.99.3:
 * - TCP sequence numbers are absolute, as with `tcpdump -S`.
 * - VLAN tags are listed (`vlan 10, p 3, IP ...`), which tcpdump does only with `-e`.
 * - IPv4 fragments end with `(frag ID:LEN@OFFSET[+])`.
 * - DHCP messages end with the option 53 type, e.g. `, DHCP-Discover`.
 * - A malformed layer is followed by its cause.
 * - Payloads of TCP and of UDP ports other than 53, 67 and 68 are not decoded.
 */
export function summarizeFrame(frame: DecodedFrame, options: SummaryOptions = {}): string {
  const timestamp = formatTimestamp(frame, options);
  const text = options.ethernet === true ? summarizeWithLink(frame) : summarizeWithoutLink(frame);
  return timestamp === '' ? text : `${timestamp} ${text}`;
}

/**
 * Formats frames as numbered summary lines (`1  IP ...`) for assertion messages. It writes
 * at most `maxLines` lines, then `... and K more`. An empty list gives `(no frames)`.
 */
export function formatFrameList(frames: readonly DecodedFrame[], options: FrameListOptions = {}): string {
  if (frames.length === 0) {
    return '(no frames)';
  }
  const maxLines = Math.max(options.maxLines ?? 20, 0);
  const listed = frames.slice(0, maxLines);
  const width = String(listed.length).length;
  const lines = listed.map((frame, index) => `${String(index + 1).padStart(width)}  ${summarizeFrame(frame, options)}`);
  if (frames.length > listed.length) {
    lines.push(`... and ${frames.length - listed.length} more`);
  }
  return lines.join('\n');
}

function formatTimestamp(frame: DecodedFrame, options: SummaryOptions): string {
  const style = options.timestamp ?? 'none';
  if (style === 'none' || frame.timestampNs === undefined) {
    return '';
  }
  const digits = options.timestampDigits ?? 6;
  const seconds = frame.timestampNs / 1_000_000_000n;
  const fractionNs = frame.timestampNs % 1_000_000_000n;
  const fraction = String(fractionNs).padStart(9, '0').slice(0, digits);
  if (style === 'epoch') {
    return `${seconds}.${fraction}`;
  }
  const daySeconds = Number(seconds % 86_400n);
  const clock = [Math.floor(daySeconds / 3600), Math.floor(daySeconds / 60) % 60, daySeconds % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return `${clock}.${fraction}`;
}

// Without -e, tcpdump still prints the MAC addresses of frames it cannot decode further.
function summarizeWithoutLink(frame: DecodedFrame): string {
  if (frame.eth !== undefined && !hasNetworkSummary(frame)) {
    return summarizeWithLink(frame);
  }
  const tags = frame.vlan.map((tag) => `vlan ${tag.vid}, p ${tag.pcp}, `).join('');
  return `${tags}${summarizeNetwork(frame, true)}`;
}

function summarizeWithLink(frame: DecodedFrame): string {
  const eth = frame.eth;
  if (eth === undefined) {
    return summarizeNetwork(frame, true);
  }
  const head = `${eth.src} > ${eth.dst}`;
  if (eth.type < 0x0600) {
    return `${head}, 802.3, length ${eth.type}`;
  }
  let text = `${head}, ethertype ${ethertypeName(eth.type)}, length ${frame.originalLength}:`;
  for (const tag of frame.vlan) {
    text += ` vlan ${tag.vid}, p ${tag.pcp}, ethertype ${ethertypeName(tag.type)},`;
  }
  if (frame.malformed?.layer === 'vlan') {
    return `${text} ${malformedMark(frame, 'vlan')}`;
  }
  const network = hasNetworkSummary(frame) ? summarizeNetwork(frame, false) : '';
  return `${text} ${network}`.trimEnd().replace(/[:,]$/, '');
}

function hasNetworkSummary(frame: DecodedFrame): boolean {
  if (frame.malformed?.layer === 'vlan') {
    return false;
  }
  const type = frame.etherType;
  return type === 0x0800 || type === 0x86dd || type === 0x0806 || type === 0x8035;
}

// `withProtocol` adds the protocol word (`IP`, `IP6`, `ARP,`) that tcpdump omits after an -e header.
function summarizeNetwork(frame: DecodedFrame, withProtocol: boolean): string {
  const malformed = frame.malformed;
  if (frame.eth === undefined && malformed !== undefined && (malformed.layer === 'eth' || malformed.layer === 'link')) {
    return malformed.layer === 'eth' ? malformedMark(frame, 'eth') : `[|link] (${malformed.reason})`;
  }
  if (frame.etherType === 0x0806 || frame.etherType === 0x8035) {
    const text = frame.arp === undefined ? malformedMark(frame, 'arp') : summarizeArp(frame.arp);
    // tcpdump 4.99.3 starts RARP packets with `ARP,` too.
    return withProtocol ? `ARP, ${text}` : text;
  }
  const word = frame.etherType === 0x86dd ? 'IP6' : 'IP';
  const text = frame.ip === undefined ? malformedMark(frame, 'ip') : summarizeIpPacket(frame, frame.ip);
  return withProtocol ? `${word} ${text}` : text;
}

/** Formats an ARP packet like tcpdump, e.g. `Request who-has 198.18.0.1 tell 198.18.0.2, length 28`. */
export function summarizeArp(arp: ArpPacket): string {
  return `${describeArp(arp)}, length ${arp.length}`;
}

function describeArp(arp: ArpPacket): string {
  switch (arp.operation) {
    case 1: {
      const known = /[^0:]/.test(arp.targetMac) ? ` (${arp.targetMac})` : '';
      return `Request who-has ${arp.targetIp}${known} tell ${arp.senderIp}`;
    }
    case 2:
      return `Reply ${arp.senderIp} is-at ${arp.senderMac}`;
    case 3:
      return `Reverse Request who-is ${arp.targetMac} tell ${arp.senderMac}`;
    case 4:
      return `Reverse Reply ${arp.targetMac} at ${arp.targetIp}`;
    case 8:
      return `Inverse Request who-is ${arp.targetMac} tell ${arp.senderMac}`;
    case 9:
      return `Inverse Reply ${arp.senderMac} at ${arp.senderIp}`;
    default:
      return `${arp.operationName} ${arp.senderIp} > ${arp.targetIp}`;
  }
}

function ethertypeName(type: number): string {
  return `${ETHERTYPE_NAMES.get(type) ?? 'Unknown'} (0x${type.toString(16).padStart(4, '0')})`;
}
