import { formatIpv4, formatMac } from './address.ts';
import { failure, truncatedReason, viewOf } from './bytes.ts';
import type { LayerResult } from './bytes.ts';
import type { DhcpMessage, DhcpMessageType, DnsMessage } from './layers.ts';

const BOOTP_FIXED_LENGTH = 236;
const DHCP_MAGIC_COOKIE = 0x63825363;
const DNS_HEADER_LENGTH = 12;

// Option 53 values of RFC 2131 section 9.6.
const DHCP_MESSAGE_TYPES: readonly DhcpMessageType[] = [
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
];

/**
 * Decodes a BOOTP/DHCP message and the options that tests assert on. A message without the
 * DHCP magic cookie is plain BOOTP and has no options.
 */
export function decodeDhcp(data: Uint8Array): LayerResult<DhcpMessage> {
  if (data.length < BOOTP_FIXED_LENGTH) {
    return failure(truncatedReason(data.length, BOOTP_FIXED_LENGTH));
  }
  const view = viewOf(data);
  const hardwareLength = Math.min(data[2] ?? 0, 16);
  const value: DhcpMessage = {
    op: bootpOperation(data[0] ?? 0),
    xid: view.getUint32(4),
    secs: view.getUint16(8),
    broadcast: (view.getUint16(10) & 0x8000) !== 0,
    ciaddr: formatIpv4(data, 12),
    yiaddr: formatIpv4(data, 16),
    siaddr: formatIpv4(data, 20),
    giaddr: formatIpv4(data, 24),
    chaddr: formatMac(data, 28, hardwareLength),
    optionsTruncated: false,
  };
  if (data.length >= BOOTP_FIXED_LENGTH + 4 && view.getUint32(BOOTP_FIXED_LENGTH) === DHCP_MAGIC_COOKIE) {
    // NOTE: options overloaded into the sname and file fields (option 52) are not read.
    value.optionsTruncated = !decodeDhcpOptions(data.subarray(BOOTP_FIXED_LENGTH + 4), value);
  }
  return { value, payload: data.subarray(BOOTP_FIXED_LENGTH) };
}

function bootpOperation(op: number): DhcpMessage['op'] {
  if (op === 1) {
    return 'request';
  }
  return op === 2 ? 'reply' : 'unknown';
}

// Returns false when the options area ends inside an option.
function decodeDhcpOptions(area: Uint8Array, message: DhcpMessage): boolean {
  let offset = 0;
  while (offset < area.length) {
    const code = area[offset] ?? 0;
    if (code === 255) {
      return true;
    }
    if (code === 0) {
      offset += 1;
      continue;
    }
    const length = area[offset + 1];
    if (length === undefined || offset + 2 + length > area.length) {
      return false;
    }
    applyDhcpOption(code, area.subarray(offset + 2, offset + 2 + length), message);
    offset += 2 + length;
  }
  return true;
}

function applyDhcpOption(code: number, data: Uint8Array, message: DhcpMessage): void {
  switch (code) {
    case 53: {
      const type = data[0];
      if (data.length === 1 && type !== undefined) {
        message.messageTypeCode = type;
        const name = DHCP_MESSAGE_TYPES[type - 1];
        if (name !== undefined) {
          message.messageType = name;
        }
      }
      return;
    }
    case 50:
      if (data.length === 4) {
        message.requestedIp = formatIpv4(data);
      }
      return;
    case 54:
      if (data.length === 4) {
        message.serverId = formatIpv4(data);
      }
      return;
    case 51:
      if (data.length === 4) {
        message.leaseTime = viewOf(data).getUint32(0);
      }
      return;
    case 1:
      if (data.length === 4) {
        message.subnetMask = formatIpv4(data);
      }
      return;
    case 3:
      message.routers = ipv4List(data);
      return;
    case 6:
      message.dnsServers = ipv4List(data);
      return;
    case 12:
      message.hostname = new TextDecoder().decode(data);
      return;
  }
}

function ipv4List(data: Uint8Array): string[] {
  const addresses: string[] = [];
  for (let offset = 0; offset + 4 <= data.length; offset += 4) {
    addresses.push(formatIpv4(data, offset));
  }
  return addresses;
}

/** Decodes a DNS header and its first question. Resource records are not decoded. */
export function decodeDns(data: Uint8Array): LayerResult<DnsMessage> {
  if (data.length < DNS_HEADER_LENGTH) {
    return failure(truncatedReason(data.length, DNS_HEADER_LENGTH));
  }
  const view = viewOf(data);
  const flags = view.getUint16(2);
  const value: DnsMessage = {
    id: view.getUint16(0),
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0x0f,
    authoritative: (flags & 0x0400) !== 0,
    truncatedFlag: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    rcode: flags & 0x000f,
    questionCount: view.getUint16(4),
    answerCount: view.getUint16(6),
    authorityCount: view.getUint16(8),
    additionalCount: view.getUint16(10),
  };
  if (value.questionCount > 0) {
    const name = readDnsName(data, DNS_HEADER_LENGTH);
    if (name !== undefined && data.length >= name.end + 4) {
      value.question = { name: name.text, type: view.getUint16(name.end), class: view.getUint16(name.end + 2) };
    }
  }
  return { value, payload: data.subarray(DNS_HEADER_LENGTH) };
}

// Maximum number of compression pointers followed in one name. More means a pointer loop.
const MAX_DNS_POINTERS = 32;

// Reads a domain name that may use compression pointers. `end` is the offset after the name
// where it starts, which is after the first pointer when there is one.
function readDnsName(data: Uint8Array, start: number): { text: string; end: number } | undefined {
  const labels: string[] = [];
  let offset = start;
  let end: number | undefined;
  let pointers = 0;
  while (pointers <= MAX_DNS_POINTERS) {
    const length = data[offset];
    if (length === undefined) {
      return undefined;
    }
    if (length === 0) {
      const text = labels.length === 0 ? '.' : `${labels.join('.')}.`;
      return { text, end: end ?? offset + 1 };
    }

    if ((length & 0xc0) === 0xc0) {
      const low = data[offset + 1];
      if (low === undefined) {
        return undefined;
      }
      end ??= offset + 2;
      offset = ((length & 0x3f) << 8) | low;
      pointers += 1;
      continue;
    }

    if ((length & 0xc0) !== 0 || offset + 1 + length > data.length) {
      return undefined;
    }
    labels.push(formatLabel(data.subarray(offset + 1, offset + 1 + length)));
    offset += 1 + length;
  }
  return undefined;
}

// Printable ASCII stays as it is, and other bytes become \DDD as in zone files.
function formatLabel(label: Uint8Array): string {
  let text = '';
  for (const byte of label) {
    text += byte > 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\${byte.toString().padStart(3, '0')}`;
  }
  return text;
}
