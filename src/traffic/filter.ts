import { AlpyError } from '../errors.ts';
import { knownIcmpTypeNames } from '../pcap/decode-icmp.ts';
import type { DecodedFrame, DhcpMessage } from '../pcap/layers.ts';
import { suggestion } from '../suggest.ts';

/**
 * Fields a frame must have to match; every field given must match. Addresses
 * are compared as the decoder formats them (dotted IPv4, compressed IPv6,
 * lower-case MAC with colons).
 */
export interface FrameFilter {
  /** A protocol layer the frame contains. */
  protocol?: 'arp' | 'ipv4' | 'ipv6' | 'icmp' | 'icmp6' | 'tcp' | 'udp' | 'dhcp' | 'dns';
  /** IP source address, or ARP sender address. */
  src?: string;
  /** IP destination address, or ARP target address. */
  dst?: string;
  /** Either `src` or `dst`. */
  host?: string;
  /** TCP or UDP source port. */
  srcPort?: number;
  /** TCP or UDP destination port. */
  dstPort?: number;
  /** Either `srcPort` or `dstPort`. */
  port?: number;
  /** Ethernet source address. */
  ethSrc?: string;
  /** Ethernet destination address. */
  ethDst?: string;
  /** ICMP or ICMPv6 type name as tcpdump prints it, e.g. `echo request`. */
  icmpType?: string;
  /** TCP flags as tcpdump prints them, e.g. `S` for a SYN without ACK, `S.` for SYN-ACK. */
  tcpFlags?: string;
  /** DHCP message type, e.g. `DISCOVER`. */
  dhcp?: DhcpMessage['messageType'];
}

/**
 * A filter object, a predicate on decoded frames, or a pcap-filter
 * expression as tcpdump takes it (`'tcp port 80 and host 198.18.1.2'`),
 * which tcpdump evaluates.
 */
export type FrameMatcher<F extends DecodedFrame = DecodedFrame> = FrameFilter | ((frame: F) => boolean) | string;

function addresses(frame: DecodedFrame): { src?: string; dst?: string } {
  if (frame.ip) {
    return { src: frame.ip.src, dst: frame.ip.dst };
  }
  if (frame.arp) {
    return { src: frame.arp.senderIp, dst: frame.arp.targetIp };
  }
  return {};
}

function ports(frame: DecodedFrame): { src?: number; dst?: number } {
  const transport = frame.tcp ?? frame.udp;
  return transport ? { src: transport.srcPort, dst: transport.dstPort } : {};
}

function hasProtocol(frame: DecodedFrame, protocol: NonNullable<FrameFilter['protocol']>): boolean {
  switch (protocol) {
    case 'ipv4':
      return frame.ip?.version === 4;
    case 'ipv6':
      return frame.ip?.version === 6;
    default:
      return frame[protocol] !== undefined;
  }
}

/** Returns true when `frame` matches every field of `filter`. */
export function matchesFilter(frame: DecodedFrame, filter: FrameFilter): boolean {
  const address = addresses(frame);
  const port = ports(frame);
  const checks: Array<boolean | undefined> = [
    filter.protocol === undefined || hasProtocol(frame, filter.protocol),
    filter.src === undefined || address.src === filter.src,
    filter.dst === undefined || address.dst === filter.dst,
    filter.host === undefined || address.src === filter.host || address.dst === filter.host,
    filter.srcPort === undefined || port.src === filter.srcPort,
    filter.dstPort === undefined || port.dst === filter.dstPort,
    filter.port === undefined || port.src === filter.port || port.dst === filter.port,
    filter.ethSrc === undefined || frame.eth?.src === filter.ethSrc.toLowerCase(),
    filter.ethDst === undefined || frame.eth?.dst === filter.ethDst.toLowerCase(),
    filter.icmpType === undefined || (frame.icmp ?? frame.icmp6)?.typeName === filter.icmpType,
    filter.tcpFlags === undefined || frame.tcp?.flagsText === filter.tcpFlags,
    filter.dhcp === undefined || frame.dhcp?.messageType === filter.dhcp,
  ];
  return checks.every(Boolean);
}

/** A filter object with unknown keys or values that can never match. */
export class InvalidFilterError extends AlpyError {
  override name = 'InvalidFilterError';
}

const filterKeys = ['protocol', 'src', 'dst', 'host', 'srcPort', 'dstPort', 'port', 'ethSrc', 'ethDst', 'icmpType', 'tcpFlags', 'dhcp'];
const protocols = ['arp', 'ipv4', 'ipv6', 'icmp', 'icmp6', 'tcp', 'udp', 'dhcp', 'dns'];
const dhcpTypes = ['DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM'];

function checkChoice(problems: string[], key: string, value: unknown, choices: readonly string[]): void {
  if (value !== undefined && !choices.includes(value as string)) {
    problems.push(`${key}: ${JSON.stringify(value)} is not one of ${choices.join(', ')}${suggestion(String(value), [...choices])}`);
  }
}

/**
 * Checks a filter object, so that a typo cannot make a filter that matches
 * everything (an unknown key) or nothing (an unknown value). Throws
 * `InvalidFilterError` listing every problem.
 */
export function checkFilter(filter: FrameFilter): void {
  const problems: string[] = [];
  for (const key of Object.keys(filter)) {
    if (!filterKeys.includes(key)) {
      problems.push(`${key}: unknown key${suggestion(key, filterKeys)}; known keys are ${filterKeys.join(', ')}`);
    }
  }
  checkChoice(problems, 'protocol', filter.protocol, protocols);
  checkChoice(problems, 'dhcp', filter.dhcp, dhcpTypes);
  const icmpType = filter.icmpType;
  if (icmpType !== undefined && !knownIcmpTypeNames.has(icmpType) && !/^type-#\d+$|^unknown icmp6 type \(\d+\)$/.test(icmpType)) {
    problems.push(`icmpType: ${JSON.stringify(icmpType)} is not a name tcpdump prints${suggestion(icmpType, [...knownIcmpTypeNames])}, e.g. 'echo request'`);
  }
  if (filter.tcpFlags !== undefined && !/^(none|[SFRPUEW.]+)$/.test(filter.tcpFlags)) {
    problems.push(`tcpFlags: ${JSON.stringify(filter.tcpFlags)} is not in tcpdump's notation, e.g. 'S' (SYN), 'S.' (SYN-ACK), 'F.' or 'R'`);
  }
  for (const key of ['srcPort', 'dstPort', 'port'] as const) {
    const port = filter[key];
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      problems.push(`${key}: expected a port number from 0 to 65535, got ${JSON.stringify(port)}`);
    }
  }
  if (problems.length > 0) {
    throw new InvalidFilterError(`Invalid frame filter ${describeMatcher(filter)}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Turns a filter object, checked first, or a predicate into a predicate. */
export function toPredicate<F extends DecodedFrame>(matcher: FrameFilter | ((frame: F) => boolean)): (frame: F) => boolean {
  if (typeof matcher === 'function') {
    return matcher;
  }
  checkFilter(matcher);
  return (frame) => matchesFilter(frame, matcher);
}

/** Describes a matcher for messages: the filter's fields, or the predicate's name. */
export function describeMatcher<F extends DecodedFrame>(matcher: FrameMatcher<F>): string {
  if (typeof matcher === 'string') {
    return `filter ${JSON.stringify(matcher)}`;
  }
  if (typeof matcher === 'function') {
    return matcher.name ? `predicate ${matcher.name}` : 'the predicate';
  }
  const fields = Object.entries(matcher).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return `{ ${fields.join(', ')} }`;
}
