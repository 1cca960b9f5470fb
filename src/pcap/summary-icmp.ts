// tcpdump-style text for ICMP and ICMPv6 messages, following the output of tcpdump 4.99.3 -n.
import type { Icmp6Message, IcmpMessage, QuotedPacket } from './layers.ts';

// Destination unreachable texts by code. The placeholders are the quoted packet's destination
// address (%s), protocol number (%p), transport name (%t) and destination port (%d), and the MTU (%m).
const ICMP_UNREACHABLE_TEXTS: readonly string[] = [
  'net %s unreachable',
  'host %s unreachable',
  '%s protocol %p unreachable',
  '%s %t port %d unreachable',
  '%s unreachable - need to frag (mtu %m)',
  '%s unreachable - source route failed',
  'net %s unreachable - unknown',
  'host %s unreachable - unknown',
  '%s unreachable - source host isolated',
  'net %s unreachable - admin prohibited',
  'host %s unreachable - admin prohibited',
  'net %s unreachable - tos prohibited',
  'host %s unreachable - tos prohibited',
  'host %s unreachable - admin prohibited filter',
  'host %s unreachable - host precedence violation',
  'host %s unreachable - precedence cutoff',
];

const ICMP_REDIRECT_TEXTS: readonly string[] = ['redirect', 'redirect', 'redirect-tos', 'redirect-tos'];

/** Formats an ICMP message like tcpdump, e.g. `ICMP echo request, id 5, seq 1, length 64`. */
export function summarizeIcmp(icmp: IcmpMessage): string {
  return `ICMP ${describeIcmp(icmp)}, length ${icmp.length}`;
}

function describeIcmp(icmp: IcmpMessage): string {
  switch (icmp.type) {
    case 0:
    case 8:
      return `${icmp.typeName}, id ${icmp.id}, seq ${icmp.seq}`;
    case 3:
      return describeUnreachable(icmp);
    case 5:
      return describeRedirect(icmp);
    case 11:
      return icmp.code === 1 ? 'ip reassembly time exceeded' : 'time exceeded in-transit';
    case 12:
      return `parameter problem - octet ${icmp.pointer}`;
    case 13:
      return `time stamp query id ${icmp.id} seq ${icmp.seq}`;
    case 14:
      return `time stamp reply id ${icmp.id} seq ${icmp.seq}`;
    default:
      return icmp.typeName;
  }
}

function describeUnreachable(icmp: IcmpMessage): string {
  const template = ICMP_UNREACHABLE_TEXTS[icmp.code];
  const quoted = icmp.quoted;
  if (template === undefined || quoted === undefined) {
    return `unreachable, code ${icmp.code}`;
  }
  return template
    .replace('%s', quoted.dst)
    .replace('%p', String(quoted.proto))
    .replace('%t', transportName(quoted))
    .replace('%d', String(quoted.dstPort ?? '?'))
    .replace('%m', String(icmp.mtu ?? 0));
}

function describeRedirect(icmp: IcmpMessage): string {
  const word = ICMP_REDIRECT_TEXTS[icmp.code] ?? `redirect code ${icmp.code}`;
  const scope = icmp.code % 2 === 0 ? 'net' : 'host';
  return `${word} ${icmp.quoted?.dst ?? '?'} to ${scope} ${icmp.gateway}`;
}

function transportName(quoted: QuotedPacket): string {
  switch (quoted.proto) {
    case 6:
      return 'tcp';
    case 17:
      return 'udp';
    case 132:
      return 'sctp';
    default:
      return `proto-${quoted.proto}`;
  }
}

/** Formats an ICMPv6 message like tcpdump, e.g. `ICMP6, neighbor solicitation, who has fe80::2, length 32`. */
export function summarizeIcmp6(icmp6: Icmp6Message): string {
  const detail = describeIcmp6(icmp6);
  // tcpdump joins the time exceeded detail with a space and all others with a comma.
  const separator = icmp6.type === 3 ? ' ' : ', ';
  return `ICMP6, ${icmp6.typeName}${detail === '' ? '' : `${separator}${detail}`}, length ${icmp6.length}`;
}

function describeIcmp6(icmp6: Icmp6Message): string {
  const quoted = icmp6.quoted;
  switch (icmp6.type) {
    case 1:
      return describeIcmp6Unreachable(icmp6.code, quoted);
    case 2:
      return `mtu ${icmp6.mtu}`;
    case 3:
      return icmp6.code === 1 ? '(reassembly)' : `for ${quoted?.dst ?? '?'}`;
    case 4:
      return `${ICMP6_PARAMETER_PROBLEMS[icmp6.code] ?? `code ${icmp6.code}`} - octet ${icmp6.pointer}`;
    case 128:
    case 129:
      return `id ${icmp6.id}, seq ${icmp6.seq}`;
    case 135:
      return `who has ${icmp6.target}`;
    case 136:
      return `tgt is ${icmp6.target}`;
    case 137:
      return `${icmp6.destination} to ${icmp6.target}`;
    default:
      return '';
  }
}

const ICMP6_PARAMETER_PROBLEMS: readonly string[] = ['erroneous', 'next header', 'option'];

function describeIcmp6Unreachable(code: number, quoted: QuotedPacket | undefined): string {
  const dst = quoted?.dst ?? '?';
  switch (code) {
    case 0:
      return `unreachable route ${dst}`;
    case 1:
      // tcpdump 4.99.3 prints two spaces here.
      return ` unreachable prohibited ${dst}`;
    case 2:
      return `beyond scope ${dst}, source address ${quoted?.src ?? '?'}`;
    case 3:
      return `unreachable address ${dst}`;
    case 4:
      if (quoted === undefined) {
        return 'unreachable port';
      }
      return `unreachable port, ${dst} ${transportName(quoted)} port ${quoted.dstPort ?? '?'}`;
    default:
      return `unknown unreach code (${code})`;
  }
}
