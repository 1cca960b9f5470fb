import { describe, expect, it } from 'vitest';
import { decodeFrame, formatFrameList, LINKTYPE_RAW, summarizeFrame } from '../../src/pcap/index.ts';
import type { DecodedFrame } from '../../src/pcap/index.ts';
import * as b from '../helpers/pcap-builder.ts';

const CLIENT = '198.18.0.2';
const SERVER = '198.18.1.2';

function ipv4(spec: b.Ipv4Spec, payload: Uint8Array, vlan?: b.EthernetSpec['vlan']): DecodedFrame {
  return decodeFrame(b.ethernet({ type: 0x0800, vlan }, b.ipv4Packet(spec, payload)));
}

function ipv6(spec: b.Ipv6Spec, payload: Uint8Array): DecodedFrame {
  return decodeFrame(b.ethernet({ type: 0x86dd }, b.ipv6Packet(spec, payload)));
}

function summary(frame: DecodedFrame): string {
  return summarizeFrame(frame);
}

describe('summarizeFrame', () => {
  it('formats an ICMP echo request', () => {
    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, 1)))).toBe(
      'IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 1, length 64',
    );
  });

  it('formats a TCP SYN with options', () => {
    const options = b.concat(Uint8Array.of(2, 4, 5, 0xb4, 4, 2, 8, 10), b.u32(1000, 0), Uint8Array.of(1, 3, 3, 7));
    const tcp = b.tcpSegment({ srcPort: 41234, dstPort: 80, seq: 123, flags: b.TCP_SYN, options });

    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 6 }, tcp))).toBe(
      'IP 198.18.0.2.41234 > 198.18.1.2.80: Flags [S], seq 123, win 64240, ' +
        'options [mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 7], length 0',
    );
  });

  it('formats TCP data with absolute sequence numbers', () => {
    const tcp = b.tcpSegment(
      { srcPort: 80, dstPort: 41234, seq: 0xfffffff0, ack: 124, flags: b.TCP_PSH | b.TCP_ACK, window: 502 },
      new Uint8Array(32),
    );

    expect(summary(ipv4({ src: SERVER, dst: CLIENT, proto: 6 }, tcp))).toBe(
      'IP 198.18.1.2.80 > 198.18.0.2.41234: Flags [P.], seq 4294967280:16, ack 124, win 502, length 32',
    );
  });

  it('formats a bare ACK without seq and an URG pointer', () => {
    const ack = b.tcpSegment({ srcPort: 1, dstPort: 2, seq: 5, ack: 6, flags: b.TCP_ACK });
    const urgent = b.tcpSegment({ srcPort: 1, dstPort: 2, seq: 5, ack: 6, flags: b.TCP_ACK | b.TCP_URG, urgentPointer: 3 });

    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 6 }, ack))).toBe(
      'IP 198.18.0.2.1 > 198.18.1.2.2: Flags [.], ack 6, win 64240, length 0',
    );
    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 6 }, urgent))).toBe(
      'IP 198.18.0.2.1 > 198.18.1.2.2: Flags [.U], ack 6, win 64240, urg 3, length 0',
    );
  });

  it('formats a plain UDP datagram', () => {
    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40000, 40001, new Uint8Array(12))))).toBe(
      'IP 198.18.0.2.40000 > 198.18.1.2.40001: UDP, length 12',
    );
  });

  it('formats ARP request and reply', () => {
    const request = b.arpPacket({
      operation: 1,
      senderMac: b.MAC_A,
      senderIp: CLIENT,
      targetMac: '00:00:00:00:00:00',
      targetIp: '198.18.0.1',
    });
    const reply = b.arpPacket({ operation: 2, senderMac: b.MAC_B, senderIp: '198.18.0.1', targetMac: b.MAC_A, targetIp: CLIENT });

    expect(summary(decodeFrame(b.ethernet({ type: 0x0806 }, request)))).toBe('ARP, Request who-has 198.18.0.1 tell 198.18.0.2, length 28');
    expect(summary(decodeFrame(b.ethernet({ type: 0x0806 }, reply)))).toBe('ARP, Reply 198.18.0.1 is-at 52:54:00:00:00:0b, length 28');
  });

  it('shows a known target MAC in an ARP request', () => {
    const request = b.arpPacket({ operation: 1, senderMac: b.MAC_A, senderIp: CLIENT, targetMac: b.MAC_B, targetIp: '198.18.0.1' });

    expect(summary(decodeFrame(b.ethernet({ type: 0x0806 }, request)))).toBe(
      'ARP, Request who-has 198.18.0.1 (52:54:00:00:00:0b) tell 198.18.0.2, length 28',
    );
  });

  it('formats DHCP with the message type', () => {
    const discover = b.dhcpMessage({ op: 1, xid: 1, chaddr: b.MAC_A, options: b.dhcpOption(53, Uint8Array.of(1)) });
    const nak = b.dhcpMessage({ op: 2, xid: 1, chaddr: b.MAC_A, options: b.dhcpOption(53, Uint8Array.of(6)) });

    expect(summary(ipv4({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17 }, b.udpDatagram(68, 67, discover)))).toBe(
      'IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from 52:54:00:00:00:0a, length 300, DHCP-Discover',
    );
    expect(summary(ipv4({ src: '198.18.0.1', dst: CLIENT, proto: 17 }, b.udpDatagram(67, 68, nak)))).toBe(
      'IP 198.18.0.1.67 > 198.18.0.2.68: BOOTP/DHCP, Reply, length 300, DHCP-NACK',
    );
  });

  it('formats DNS queries and responses', () => {
    const query = b.udpDatagram(40002, 53, b.dnsQuery(4660, 'example.com', 1));
    const noRecursion = b.udpDatagram(40002, 53, b.concat(b.u16(4663, 0, 1, 0, 0, 1), b.dnsName('x.example'), b.u16(12, 1)));
    const response = b.udpDatagram(53, 40002, b.concat(b.u16(4666, 0x8582, 1, 2, 0, 0), b.dnsName('x.example'), b.u16(1, 1)));

    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 17 }, query))).toBe(
      'IP 198.18.0.2.40002 > 198.18.1.2.53: 4660+ A? example.com. (29)',
    );
    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 17 }, noRecursion))).toBe(
      'IP 198.18.0.2.40002 > 198.18.1.2.53: 4663 [1au] PTR? x.example. (27)',
    );
    expect(summary(ipv4({ src: SERVER, dst: CLIENT, proto: 17 }, response))).toBe(
      'IP 198.18.1.2.53 > 198.18.0.2.40002: 4666 ServFail* 2/0/0 (27)',
    );
  });

  it('formats ICMP errors from the quoted packet', () => {
    const quoted = b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40000, 53, new Uint8Array(0)));
    const unreachable = (code: number, rest = b.u32(0)): string =>
      summary(ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(3, code, rest, quoted)));

    expect(unreachable(3)).toBe('IP 198.18.1.2 > 198.18.0.2: ICMP 198.18.1.2 udp port 53 unreachable, length 36');
    expect(unreachable(1)).toBe('IP 198.18.1.2 > 198.18.0.2: ICMP host 198.18.1.2 unreachable, length 36');
    expect(unreachable(4, b.u16(0, 1400))).toBe(
      'IP 198.18.1.2 > 198.18.0.2: ICMP 198.18.1.2 unreachable - need to frag (mtu 1400), length 36',
    );
    expect(unreachable(13)).toBe('IP 198.18.1.2 > 198.18.0.2: ICMP host 198.18.1.2 unreachable - admin prohibited filter, length 36');
    expect(summary(ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(11, 0, b.u32(0), quoted)))).toBe(
      'IP 198.18.1.2 > 198.18.0.2: ICMP time exceeded in-transit, length 36',
    );
    expect(summary(ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(5, 1, b.ipv4('198.18.0.9'), quoted)))).toBe(
      'IP 198.18.1.2 > 198.18.0.2: ICMP redirect 198.18.1.2 to host 198.18.0.9, length 36',
    );
  });

  it('formats neighbor discovery', () => {
    const na = b.icmp6Message(136, 0, b.concat(Uint8Array.of(0xa0, 0, 0, 0), b.ipv6('fe80::1'), Uint8Array.of(2, 1), b.mac(b.MAC_A)));
    const ns = b.icmp6Message(135, 0, b.concat(b.u32(0), b.ipv6('fe80::1'), Uint8Array.of(1, 1), b.mac(b.MAC_B)));
    const rs = b.icmp6Message(133, 0, b.u32(0));

    expect(summary(ipv6({ src: 'fe80::1', dst: 'ff02::1', nextHeader: 58 }, na))).toBe(
      'IP6 fe80::1 > ff02::1: ICMP6, neighbor advertisement, tgt is fe80::1, length 32',
    );
    expect(summary(ipv6({ src: 'fe80::2', dst: 'ff02::1:ff00:1', nextHeader: 58 }, ns))).toBe(
      'IP6 fe80::2 > ff02::1:ff00:1: ICMP6, neighbor solicitation, who has fe80::1, length 32',
    );
    expect(summary(ipv6({ src: 'fe80::2', dst: 'ff02::2', nextHeader: 58 }, rs))).toBe(
      'IP6 fe80::2 > ff02::2: ICMP6, router solicitation, length 8',
    );
  });

  it('formats ICMPv6 echo and errors', () => {
    const echo = b.icmp6Message(128, 0, b.concat(b.u16(7, 1), new Uint8Array(56)));
    const quoted = b.ipv6Packet(
      { src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 17 },
      b.udpDatagram(40000, 33434, new Uint8Array(0)),
    );
    const unreachable = b.icmp6Message(1, 4, b.concat(b.u32(0), quoted));
    const tooBig = b.icmp6Message(2, 0, b.concat(b.u32(1280), quoted));
    const exceeded = b.icmp6Message(3, 0, b.concat(b.u32(0), quoted));

    expect(summary(ipv6({ src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 58 }, echo))).toBe(
      'IP6 2001:db8::1 > 2001:db8:1::2: ICMP6, echo request, id 7, seq 1, length 64',
    );
    expect(summary(ipv6({ src: '2001:db8:1::2', dst: '2001:db8::1', nextHeader: 58 }, unreachable))).toBe(
      'IP6 2001:db8:1::2 > 2001:db8::1: ICMP6, destination unreachable, unreachable port, 2001:db8:1::2 udp port 33434, length 56',
    );
    expect(summary(ipv6({ src: '2001:db8:1::2', dst: '2001:db8::1', nextHeader: 58 }, tooBig))).toBe(
      'IP6 2001:db8:1::2 > 2001:db8::1: ICMP6, packet too big, mtu 1280, length 56',
    );
    expect(summary(ipv6({ src: '2001:db8:1::2', dst: '2001:db8::1', nextHeader: 58 }, exceeded))).toBe(
      'IP6 2001:db8:1::2 > 2001:db8::1: ICMP6, time exceeded in-transit for 2001:db8:1::2, length 56',
    );
  });

  it('puts ports after IPv6 extension headers', () => {
    const frame = ipv6(
      { src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 0, extensions: b.ipv6Extension(60) },
      b.concat(b.ipv6Extension(17), b.udpDatagram(40000, 40001, new Uint8Array(10))),
    );

    expect(summary(frame)).toBe('IP6 2001:db8::1 > 2001:db8::2: HBH DSTOPT 40000 > 40001: UDP, length 10');
  });

  it('formats IPv6 fragments', () => {
    const first = ipv6(
      { src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 44, extensions: b.ipv6FragmentHeader(17, 0, true, 9) },
      b.udpDatagram(40000, 40001, new Uint8Array(10), 3000),
    );
    const later = ipv6(
      { src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 44, extensions: b.ipv6FragmentHeader(17, 1448, false, 9) },
      new Uint8Array(100),
    );

    expect(summary(first)).toBe('IP6 2001:db8::1 > 2001:db8::2: frag (0|18) 40000 > 40001: UDP, length 2992');
    expect(summary(later)).toBe('IP6 2001:db8::1 > 2001:db8::2: frag (1448|100)');
  });

  it('adds the fragment note to IPv4 fragments', () => {
    const first = ipv4(
      { src: CLIENT, dst: SERVER, proto: 17, moreFragments: true, id: 77 },
      b.udpDatagram(40000, 40001, new Uint8Array(100), 2008),
    );
    const later = ipv4({ src: CLIENT, dst: SERVER, proto: 17, fragmentOffset: 1480, id: 77 }, new Uint8Array(528));

    expect(summary(first)).toBe('IP 198.18.0.2.40000 > 198.18.1.2.40001: UDP, length 2000 (frag 77:108@0+)');
    expect(summary(later)).toBe('IP 198.18.0.2 > 198.18.1.2: ip-proto-17 (frag 77:528@1480)');
  });

  it('formats an unknown IP protocol', () => {
    expect(summary(ipv4({ src: CLIENT, dst: SERVER, proto: 253 }, new Uint8Array(20)))).toBe('IP 198.18.0.2 > 198.18.1.2: ip-proto-253 20');
  });

  it('shows VLAN tags', () => {
    const frame = ipv4({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, 2), [{ vid: 100, pcp: 2, tpid: 0x88a8 }, { vid: 10 }]);

    expect(summary(frame)).toBe('vlan 100, p 2, vlan 10, p 0, IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 2, length 64');
  });

  it('shows the Ethernet header of an unknown EtherType', () => {
    const frame = decodeFrame(b.ethernet({ type: 0x88b5 }, new Uint8Array(46)));

    expect(summary(frame)).toBe('52:54:00:00:00:0a > 52:54:00:00:00:0b, ethertype Unknown (0x88b5), length 60');
  });

  it('formats raw IP frames', () => {
    const frame = decodeFrame(b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(0, 5, 1)), { linkType: LINKTYPE_RAW });

    expect(summary(frame)).toBe('IP 198.18.0.2 > 198.18.1.2: ICMP echo reply, id 5, seq 1, length 64');
  });
});

describe('summarizeFrame with malformed frames', () => {
  it('marks a short Ethernet header', () => {
    expect(summary(decodeFrame(new Uint8Array(10)))).toBe('[|ether] (truncated header: 10 of 14 bytes)');
  });

  it('marks a truncated IP header', () => {
    expect(summary(decodeFrame(b.ethernet({ type: 0x0800 }, new Uint8Array(10))))).toBe('IP [|ip] (truncated header: 10 of 20 bytes)');
    expect(summary(decodeFrame(b.ethernet({ type: 0x86dd }, new Uint8Array(10))))).toBe('IP6 [|ip6] (truncated header: 10 of 40 bytes)');
  });

  it('marks a truncated TCP header', () => {
    const packet = b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 6 }, b.tcpSegment({ srcPort: 1, dstPort: 2, flags: 2 }).subarray(0, 10));

    expect(summary(decodeFrame(b.ethernet({ type: 0x0800 }, packet)))).toBe(
      'IP 198.18.0.2 > 198.18.1.2: [|tcp] (truncated header: 10 of 20 bytes)',
    );
  });

  it('marks a bad UDP length', () => {
    const frame = ipv4({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40000, 40001, new Uint8Array(4), 100));

    expect(summary(frame)).toBe('IP 198.18.0.2.40000 > 198.18.1.2.40001: UDP, length 92 [|udp] (length 100 exceeds IP payload length 12)');
  });

  it('marks a truncated neighbor solicitation', () => {
    const frame = ipv6({ src: 'fe80::1', dst: 'ff02::1', nextHeader: 58 }, b.icmp6Message(135, 0, b.u32(0)));

    expect(summary(frame)).toBe('IP6 fe80::1 > ff02::1: ICMP6, neighbor solicitation [|icmp6] (truncated header: 8 of 24 bytes)');
  });

  it('marks a truncated BOOTP message', () => {
    const frame = ipv4({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17 }, b.udpDatagram(68, 67, new Uint8Array(100)));

    expect(summary(frame)).toBe('IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP [|bootp] (truncated header: 100 of 236 bytes)');
  });

  it('marks a truncated VLAN tag', () => {
    const frame = decodeFrame(b.ethernet({ type: 0x0800, vlan: [{ vid: 7 }] }, new Uint8Array(0)).subarray(0, 16));

    expect(summary(frame)).toBe(
      '52:54:00:00:00:0a > 52:54:00:00:00:0b, ethertype 802.1Q (0x8100), length 16: [|vlan] (truncated VLAN tag: 2 of 4 bytes)',
    );
  });

  it('names an unsupported link type', () => {
    expect(summary(decodeFrame(new Uint8Array(20), { linkType: 113 }))).toBe('[|link] (unsupported link type 113)');
  });
});

describe('summarizeFrame options', () => {
  const timestampNs = 1_700_000_000_123_456_789n;
  const frame = decodeFrame(b.ethernet({ type: 0x0800 }, b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, 1))), {
    timestampNs,
  });

  it('prefixes a UTC time', () => {
    expect(summarizeFrame(frame, { timestamp: 'utc' })).toBe(
      '22:13:20.123456 IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 1, length 64',
    );
  });

  it('prefixes epoch seconds with nine digits', () => {
    expect(summarizeFrame(frame, { timestamp: 'epoch', timestampDigits: 9 })).toMatch(/^1700000000\.123456789 IP /);
  });

  it('omits the timestamp when the frame has none', () => {
    const untimed = decodeFrame(b.ethernet({ type: 0x0800 }, b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, 1))));

    expect(summarizeFrame(untimed, { timestamp: 'utc' })).toMatch(/^IP /);
  });

  it('adds the Ethernet header like tcpdump -e', () => {
    expect(summarizeFrame(frame, { ethernet: true })).toBe(
      '52:54:00:00:00:0a > 52:54:00:00:00:0b, ethertype IPv4 (0x0800), length 98: ' +
        '198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 1, length 64',
    );
  });

  it('adds VLAN tags and ARP like tcpdump -e', () => {
    const arp = b.arpPacket({ operation: 2, senderMac: b.MAC_B, senderIp: '198.18.0.1', targetMac: b.MAC_A, targetIp: CLIENT });
    const tagged = decodeFrame(b.ethernet({ type: 0x0806, vlan: [{ vid: 5 }] }, arp));

    expect(summarizeFrame(tagged, { ethernet: true })).toBe(
      '52:54:00:00:00:0a > 52:54:00:00:00:0b, ethertype 802.1Q (0x8100), length 46: vlan 5, p 0, ethertype ARP (0x0806), ' +
        'Reply 198.18.0.1 is-at 52:54:00:00:00:0b, length 28',
    );
  });
});

describe('formatFrameList', () => {
  const frames = Array.from({ length: 12 }, (_, index) =>
    decodeFrame(b.ethernet({ type: 0x0800 }, b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, index + 1)))),
  );

  it('numbers lines and caps them', () => {
    const text = formatFrameList(frames, { maxLines: 10 });
    const lines = text.split('\n');

    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe(' 1  IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 1, length 64');
    expect(lines[9]).toBe('10  IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 10, length 64');
    expect(lines[10]).toBe('... and 2 more');
  });

  it('lists all frames under the cap', () => {
    const lines = formatFrameList(frames.slice(0, 3)).split('\n');

    expect(lines).toEqual([
      '1  IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 1, length 64',
      '2  IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 2, length 64',
      '3  IP 198.18.0.2 > 198.18.1.2: ICMP echo request, id 5, seq 3, length 64',
    ]);
  });

  it('counts everything as more with a cap of 0', () => {
    expect(formatFrameList(frames, { maxLines: 0 })).toBe('... and 12 more');
  });

  it('says when there are no frames', () => {
    expect(formatFrameList([])).toBe('(no frames)');
  });
});
