import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodeRecord,
  formatIpv4,
  formatIpv6,
  formatMac,
  LINKTYPE_IPV6,
  LINKTYPE_RAW,
  readPcapBuffer,
} from '../../src/pcap/index.ts';
import type { DecodedFrame, Ipv4Header, Ipv6Header } from '../../src/pcap/index.ts';
import * as b from '../helpers/pcap-builder.ts';

const CLIENT = '198.18.0.2';
const SERVER = '198.18.1.2';

function ipv4Frame(spec: b.Ipv4Spec, payload: Uint8Array, vlan?: b.EthernetSpec['vlan']): Uint8Array {
  return b.ethernet({ type: 0x0800, vlan }, b.ipv4Packet(spec, payload));
}

function ipv6Frame(spec: b.Ipv6Spec, payload: Uint8Array): Uint8Array {
  return b.ethernet({ type: 0x86dd }, b.ipv6Packet(spec, payload));
}

function asIpv4(frame: DecodedFrame): Ipv4Header {
  if (frame.ip?.version !== 4) {
    throw new Error(`expected an IPv4 header, got ${JSON.stringify(frame.layers)}`);
  }
  return frame.ip;
}

function asIpv6(frame: DecodedFrame): Ipv6Header {
  if (frame.ip?.version !== 6) {
    throw new Error(`expected an IPv6 header, got ${JSON.stringify(frame.layers)}`);
  }
  return frame.ip;
}

describe('address formatting', () => {
  const ipv6Cases: Array<[string, string]> = [
    ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
    ['ff02:0:0:0:0:1:ff00:2', 'ff02::1:ff00:2'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['2001:db8:0:1:2:3:4:5', '2001:db8:0:1:2:3:4:5'],
    ['0:0:0:0:0:ffff:c612:2', '::ffff:198.18.0.2'],
    ['0:0:0:0:0:0:c612:2', '::198.18.0.2'],
    ['ABCD:0:0:0:0:0:0:0', 'abcd::'],
  ];

  for (const [full, expected] of ipv6Cases) {
    it(`formats ${full} as ${expected}`, () => {
      expect(formatIpv6(b.ipv6(full))).toBe(expected);
    });
  }

  it('formats MAC and IPv4 addresses', () => {
    expect(formatMac(Uint8Array.of(0x52, 0x54, 0, 0xab, 0xcd, 0x0f))).toBe('52:54:00:ab:cd:0f');
    expect(formatIpv4(Uint8Array.of(9, 198, 18, 0, 2), 1)).toBe(CLIENT);
  });
});

describe('Ethernet and VLAN', () => {
  it('decodes the Ethernet header', () => {
    const frame = decodeFrame(b.ethernet({ src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff', type: 0x88b5 }, new Uint8Array(46)));

    expect(frame.eth).toEqual({ src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff', type: 0x88b5 });
    expect(frame.etherType).toBe(0x88b5);
    expect(frame.layers).toEqual(['eth']);
    expect(frame.malformed).toBeUndefined();
    expect(frame.capturedLength).toBe(60);
    expect(frame.originalLength).toBe(60);
  });

  it('decodes an 802.1Q tag', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 1, 1), [{ vid: 42, pcp: 5 }]));

    expect(frame.eth?.type).toBe(0x8100);
    expect(frame.vlan).toEqual([{ tpid: 0x8100, pcp: 5, dei: false, vid: 42, type: 0x0800 }]);
    expect(frame.etherType).toBe(0x0800);
    expect(frame.layers).toEqual(['eth', 'vlan', 'ip', 'icmp']);
    expect(frame.icmp?.seq).toBe(1);
  });

  it('decodes stacked 802.1ad and 802.1Q tags', () => {
    const frame = decodeFrame(
      ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1000, 2000, new Uint8Array(4)), [
        { vid: 100, tpid: 0x88a8 },
        { vid: 10, pcp: 1 },
      ]),
    );

    expect(frame.eth?.type).toBe(0x88a8);
    expect(frame.vlan.map((tag) => [tag.tpid, tag.vid, tag.pcp, tag.type])).toEqual([
      [0x88a8, 100, 0, 0x8100],
      [0x8100, 10, 1, 0x0800],
    ]);
    expect(frame.udp?.dstPort).toBe(2000);
  });

  it('reads the DEI bit', () => {
    const data = b.ethernet({ type: 0x0800, vlan: [{ vid: 7 }] }, new Uint8Array(0));
    data[14] = 0x10;

    const frame = decodeFrame(data);

    expect(frame.vlan[0]?.dei).toBe(true);
    expect(frame.vlan[0]?.vid).toBe(7);
  });

  it('stops at a truncated VLAN tag', () => {
    const data = b.ethernet({ type: 0x0800, vlan: [{ vid: 7 }] }, new Uint8Array(0)).subarray(0, 16);

    const frame = decodeFrame(data);

    expect(frame.vlan).toEqual([]);
    expect(frame.malformed).toEqual({ layer: 'vlan', reason: 'truncated VLAN tag: 2 of 4 bytes', offset: 14 });
  });
});

describe('ARP', () => {
  it('decodes a padded request', () => {
    const arp = b.arpPacket({
      operation: 1,
      senderMac: b.MAC_A,
      senderIp: CLIENT,
      targetMac: '00:00:00:00:00:00',
      targetIp: '198.18.0.1',
    });
    const frame = decodeFrame(b.ethernet({ type: 0x0806, dst: 'ff:ff:ff:ff:ff:ff' }, b.concat(arp, new Uint8Array(18))));

    expect(frame.arp).toEqual({
      hardwareType: 1,
      protocolType: 0x0800,
      hardwareLength: 6,
      protocolLength: 4,
      operation: 1,
      operationName: 'request',
      senderMac: b.MAC_A,
      senderIp: CLIENT,
      targetMac: '00:00:00:00:00:00',
      targetIp: '198.18.0.1',
      length: 46,
    });
    expect(frame.layers).toEqual(['eth', 'arp']);
  });

  it('decodes a reply', () => {
    const arp = b.arpPacket({ operation: 2, senderMac: b.MAC_B, senderIp: '198.18.0.1', targetMac: b.MAC_A, targetIp: CLIENT });

    const frame = decodeFrame(b.ethernet({ type: 0x0806 }, arp));

    expect(frame.arp?.operationName).toBe('reply');
    expect(frame.arp?.senderMac).toBe(b.MAC_B);
    expect(frame.arp?.length).toBe(28);
  });

  it('uses the original length for the wire length', () => {
    const arp = b.arpPacket({ operation: 2, senderMac: b.MAC_B, senderIp: '198.18.0.1', targetMac: b.MAC_A, targetIp: CLIENT });

    const frame = decodeFrame(b.ethernet({ type: 0x0806 }, arp), { originalLength: 60 });

    expect(frame.arp?.length).toBe(46);
  });

  it('stops at truncated addresses', () => {
    const arp = b.arpPacket({ operation: 1, senderMac: b.MAC_A, senderIp: CLIENT, targetMac: b.MAC_B, targetIp: SERVER });

    const frame = decodeFrame(b.ethernet({ type: 0x0806 }, arp.subarray(0, 20)));

    expect(frame.arp).toBeUndefined();
    expect(frame.malformed).toEqual({ layer: 'arp', reason: 'truncated addresses: 20 of 28 bytes', offset: 14 });
  });
});

describe('IPv4', () => {
  it('decodes the header fields', () => {
    const frame = decodeFrame(
      ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1, ttl: 17, id: 0xbeef, tos: 0xb8, dontFragment: true }, b.icmpEcho(8, 1, 2)),
    );
    const ip = asIpv4(frame);

    expect(ip.src).toBe(CLIENT);
    expect(ip.dst).toBe(SERVER);
    expect(ip.proto).toBe(1);
    expect(ip.ttl).toBe(17);
    expect(ip.id).toBe(0xbeef);
    expect(ip.tos).toBe(0xb8);
    expect(ip.dontFragment).toBe(true);
    expect(ip.moreFragments).toBe(false);
    expect(ip.fragmentOffset).toBe(0);
    expect(ip.headerLength).toBe(20);
    expect(ip.totalLength).toBe(84);
    expect(ip.payloadLength).toBe(64);
    expect(ip.options).toEqual([]);
    expect(ip.truncated).toBe(false);
    expect(ip.checksum).not.toBe(0);
  });

  it('decodes options', () => {
    const options = Uint8Array.of(1, 148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0);
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1, options }, b.icmpEcho(8, 1, 3)));
    const ip = asIpv4(frame);

    expect(ip.headerLength).toBe(36);
    expect(ip.options.map((option) => [option.type, option.length])).toEqual([
      [1, 1],
      [148, 4],
      [7, 7],
      [0, 1],
    ]);
    expect([...(ip.options[2]?.data ?? [])]).toEqual([4, 0, 0, 0, 0]);
    expect(ip.optionsMalformed).toBe(false);
    expect(frame.icmp?.seq).toBe(3);
  });

  it('flags an option that overruns the header', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1, options: Uint8Array.of(7, 9, 4, 0) }, b.icmpEcho(8, 1, 1)));

    expect(asIpv4(frame).optionsMalformed).toBe(true);
    expect(frame.icmp?.type).toBe(8);
  });

  it('drops Ethernet padding from the payload', () => {
    const frame = decodeFrame(
      b.concat(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(5000, 5001, Uint8Array.of(1, 2))), new Uint8Array(16)),
    );

    expect(asIpv4(frame).payloadLength).toBe(10);
    expect(frame.udp?.payloadLength).toBe(2);
    expect([...(frame.udp?.payload ?? [])]).toEqual([1, 2]);
  });

  it('decodes the first fragment', () => {
    const udp = b.udpDatagram(40000, 40001, new Uint8Array(100), 2008);
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17, moreFragments: true, id: 77 }, udp));

    expect(asIpv4(frame).moreFragments).toBe(true);
    expect(frame.udp?.length).toBe(2008);
    expect(frame.udp?.payloadLength).toBe(2000);
    expect(frame.malformed).toBeUndefined();
  });

  it('skips the transport of a later fragment', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17, fragmentOffset: 1480, id: 77 }, new Uint8Array(528)));
    const ip = asIpv4(frame);

    expect(ip.fragmentOffset).toBe(1480);
    expect(ip.moreFragments).toBe(false);
    expect(ip.payloadLength).toBe(528);
    expect(frame.udp).toBeUndefined();
    expect(frame.layers).toEqual(['eth', 'ip']);
    expect(frame.malformed).toBeUndefined();
  });

  it('takes the captured length for total length 0', () => {
    const tcp = b.tcpSegment({ srcPort: 1, dstPort: 2, flags: b.TCP_ACK }, new Uint8Array(3000));
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 6, totalLength: 0 }, tcp));

    expect(asIpv4(frame).totalLength).toBe(3040);
    expect(frame.tcp?.payloadLength).toBe(3000);
  });

  it('marks a snaplen cut as truncated', () => {
    const data = ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 9, 4, new Uint8Array(1400)));

    const frame = decodeFrame(data.subarray(0, 96), { originalLength: data.length });

    expect(asIpv4(frame).truncated).toBe(true);
    expect(asIpv4(frame).payloadLength).toBe(1408);
    expect(frame.icmp?.length).toBe(1408);
    expect(frame.icmp?.id).toBe(9);
    expect(frame.malformed).toBeUndefined();
    expect(frame.originalLength).toBe(1442);
    expect(frame.capturedLength).toBe(96);
  });
});

describe('IPv6', () => {
  it('decodes the fixed header', () => {
    const packet = b.ipv6Packet(
      { src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 17, hopLimit: 9 },
      b.udpDatagram(1, 2, new Uint8Array(3)),
    );
    packet[0] = 0x6b;
    packet[1] = 0x81;
    packet[2] = 0x23;
    packet[3] = 0x45;

    const frame = decodeFrame(b.ethernet({ type: 0x86dd }, packet));
    const ip = asIpv6(frame);

    expect(ip.src).toBe('2001:db8::1');
    expect(ip.dst).toBe('2001:db8:1::2');
    expect(ip.trafficClass).toBe(0xb8);
    expect(ip.flowLabel).toBe(0x12345);
    expect(ip.hopLimit).toBe(9);
    expect(ip.ttl).toBe(9);
    expect(ip.nextHeader).toBe(17);
    expect(ip.proto).toBe(17);
    expect(ip.payloadLength).toBe(11);
    expect(ip.extensionHeaders).toEqual([]);
    expect(frame.udp?.payloadLength).toBe(3);
  });

  it('skips hop-by-hop, routing and destination options headers', () => {
    const extensions = b.concat(b.ipv6Extension(43), b.ipv6Extension(60, 24), b.ipv6Extension(6, 16));
    const tcp = b.tcpSegment({ srcPort: 41234, dstPort: 443, seq: 1, flags: b.TCP_SYN });

    const frame = decodeFrame(ipv6Frame({ src: 'fe80::1', dst: 'fe80::2', nextHeader: 0, extensions }, tcp));
    const ip = asIpv6(frame);

    expect(ip.extensionHeaders).toEqual([0, 43, 60]);
    expect(ip.nextHeader).toBe(0);
    expect(ip.proto).toBe(6);
    expect(ip.headerLength).toBe(40 + 48);
    expect(ip.payloadLength).toBe(20);
    expect(frame.tcp?.dstPort).toBe(443);
  });

  it('skips an authentication header', () => {
    const ah = b.concat(Uint8Array.of(17, 4, 0, 0), b.u32(1, 2), new Uint8Array(12));

    const frame = decodeFrame(
      ipv6Frame(
        { src: 'fe80::1', dst: 'fe80::2', nextHeader: 51, extensions: ah },
        b.udpDatagram(7, 8, new Uint8Array(2)),
      ),
    );

    expect(asIpv6(frame).extensionHeaders).toEqual([51]);
    expect(asIpv6(frame).headerLength).toBe(64);
    expect(frame.udp?.srcPort).toBe(7);
  });

  it('decodes a first fragment header', () => {
    const extensions = b.ipv6FragmentHeader(17, 0, true, 0xabcdef01);

    const frame = decodeFrame(
      ipv6Frame(
        { src: 'fe80::1', dst: 'fe80::2', nextHeader: 44, extensions },
        b.udpDatagram(40000, 40001, new Uint8Array(10), 3000),
      ),
    );
    const ip = asIpv6(frame);

    expect(ip.fragment).toEqual({ id: 0xabcdef01, offset: 0, moreFragments: true, length: 18 });
    expect(ip.moreFragments).toBe(true);
    expect(frame.udp?.length).toBe(3000);
    expect(frame.malformed).toBeUndefined();
  });

  it('skips the transport of a later fragment', () => {
    const extensions = b.ipv6FragmentHeader(17, 1448, false, 5);

    const frame = decodeFrame(ipv6Frame({ src: 'fe80::1', dst: 'fe80::2', nextHeader: 44, extensions }, new Uint8Array(100)));

    expect(asIpv6(frame).fragmentOffset).toBe(1448);
    expect(asIpv6(frame).fragment?.length).toBe(100);
    expect(frame.udp).toBeUndefined();
    expect(frame.layers).toEqual(['eth', 'ip']);
  });

  it('stops at a truncated extension header', () => {
    const frame = decodeFrame(
      ipv6Frame(
        { src: 'fe80::1', dst: 'fe80::2', nextHeader: 0, extensions: b.ipv6Extension(17, 16) },
        new Uint8Array(0),
      ).subarray(0, 14 + 40 + 12),
    );

    expect(asIpv6(frame).src).toBe('fe80::1');
    expect(frame.layers).toEqual(['eth', 'ip']);
    expect(frame.malformed).toEqual({ layer: 'ip', reason: 'truncated extension header: 12 of 16 bytes', offset: 14 });
  });

  it('stops at an extension header longer than the payload', () => {
    const frame = decodeFrame(
      ipv6Frame(
        { src: 'fe80::1', dst: 'fe80::2', nextHeader: 60, extensions: b.ipv6Extension(59, 16), payloadLength: 8 },
        new Uint8Array(0),
      ),
    );

    expect(frame.malformed?.layer).toBe('ip');
    expect(frame.malformed?.reason).toBe('extension header at offset 40 needs 16 bytes but the payload length leaves 8');
  });

  it('decodes raw IPv6 link type', () => {
    const packet = b.ipv6Packet({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 58 }, b.icmp6Message(128, 0, b.u16(3, 4)));

    const frame = decodeFrame(packet, { linkType: LINKTYPE_IPV6 });

    expect(frame.eth).toBeUndefined();
    expect(frame.layers).toEqual(['ip', 'icmp6']);
    expect(frame.icmp6?.id).toBe(3);
  });
});

describe('link types', () => {
  it('picks the IP version of raw packets', () => {
    const v4 = decodeFrame(b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(0, 1, 1)), { linkType: LINKTYPE_RAW });
    const v6 = decodeFrame(b.ipv6Packet({ src: '::1', dst: '::1', nextHeader: 59 }, new Uint8Array(0)), { linkType: LINKTYPE_RAW });

    expect(v4.ip?.version).toBe(4);
    expect(v4.icmp?.typeName).toBe('echo reply');
    expect(v6.ip?.version).toBe(6);
    expect(v6.layers).toEqual(['ip']);
  });

  it('reports an unsupported link type', () => {
    const frame = decodeFrame(new Uint8Array(40), { linkType: 113 });

    expect(frame.layers).toEqual([]);
    expect(frame.malformed).toEqual({ layer: 'link', reason: 'unsupported link type 113', offset: 0 });
  });
});

describe('ICMP', () => {
  it('decodes an echo request', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, 1)));

    expect(frame.icmp).toMatchObject({ type: 8, code: 0, typeName: 'echo request', id: 5, seq: 1, length: 64 });
    expect(frame.icmp?.checksum).not.toBe(0);
  });

  it('decodes a port unreachable with the quoted packet', () => {
    const quoted = b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40000, 53, new Uint8Array(0)));

    const frame = decodeFrame(ipv4Frame({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(3, 3, b.u32(0), quoted)));

    expect(frame.icmp?.typeName).toBe('unreachable');
    expect(frame.icmp?.code).toBe(3);
    expect(frame.icmp?.quoted).toEqual({ src: CLIENT, dst: SERVER, proto: 17, srcPort: 40000, dstPort: 53 });
    expect(frame.icmp?.id).toBeUndefined();
  });

  it('decodes the MTU of fragmentation needed', () => {
    const quoted = b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 6 }, new Uint8Array(8));

    const frame = decodeFrame(ipv4Frame({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(3, 4, b.u16(0, 1400), quoted)));

    expect(frame.icmp?.mtu).toBe(1400);
    expect(frame.icmp?.quoted?.proto).toBe(6);
  });

  it('decodes a redirect gateway', () => {
    const quoted = b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 1 }, new Uint8Array(8));

    const frame = decodeFrame(ipv4Frame({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(5, 1, b.ipv4('198.18.0.9'), quoted)));

    expect(frame.icmp?.gateway).toBe('198.18.0.9');
    expect(frame.icmp?.quoted?.dst).toBe(SERVER);
    expect(frame.icmp?.quoted?.srcPort).toBeUndefined();
  });

  it('decodes a parameter problem pointer', () => {
    const frame = decodeFrame(ipv4Frame({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(12, 0, Uint8Array.of(9, 0, 0, 0))));

    expect(frame.icmp?.typeName).toBe('parameter problem');
    expect(frame.icmp?.pointer).toBe(9);
  });

  it('names unknown types', () => {
    const frame = decodeFrame(ipv4Frame({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(42, 0, b.u32(0))));

    expect(frame.icmp?.typeName).toBe('type-#42');
  });

  it('stops at a truncated header', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1 }, Uint8Array.of(8, 0, 0, 0, 0)));

    expect(frame.icmp).toBeUndefined();
    expect(frame.malformed).toEqual({ layer: 'icmp', reason: 'truncated header: 5 of 8 bytes', offset: 34 });
  });
});

describe('ICMPv6', () => {
  const ll = 'fe80::1';

  it('decodes an echo reply', () => {
    const frame = decodeFrame(
      ipv6Frame(
        { src: '2001:db8::2', dst: '2001:db8::1', nextHeader: 58 },
        b.icmp6Message(129, 0, b.concat(b.u16(7, 8), new Uint8Array(56))),
      ),
    );

    expect(frame.icmp6).toMatchObject({ type: 129, code: 0, typeName: 'echo reply', id: 7, seq: 8, length: 64 });
    expect(frame.icmp).toBeUndefined();
  });

  it('decodes a neighbor solicitation', () => {
    const body = b.concat(b.u32(0), b.ipv6('fe80::2'), Uint8Array.of(1, 1), b.mac(b.MAC_A));

    const frame = decodeFrame(ipv6Frame({ src: ll, dst: 'ff02::1:ff00:2', nextHeader: 58, hopLimit: 255 }, b.icmp6Message(135, 0, body)));

    expect(frame.icmp6?.typeName).toBe('neighbor solicitation');
    expect(frame.icmp6?.target).toBe('fe80::2');
    expect(frame.icmp6?.sourceLinkAddress).toBe(b.MAC_A);
    expect(frame.icmp6?.length).toBe(32);
  });

  it('decodes a neighbor advertisement', () => {
    const body = b.concat(Uint8Array.of(0x60, 0, 0, 0), b.ipv6('fe80::2'), Uint8Array.of(2, 1), b.mac(b.MAC_B));

    const frame = decodeFrame(ipv6Frame({ src: 'fe80::2', dst: ll, nextHeader: 58, hopLimit: 255 }, b.icmp6Message(136, 0, body)));

    expect(frame.icmp6?.typeName).toBe('neighbor advertisement');
    expect(frame.icmp6?.neighborFlags).toEqual({ router: false, solicited: true, override: true });
    expect(frame.icmp6?.target).toBe('fe80::2');
    expect(frame.icmp6?.targetLinkAddress).toBe(b.MAC_B);
  });

  it('decodes a router solicitation', () => {
    const body = b.concat(b.u32(0), Uint8Array.of(1, 1), b.mac(b.MAC_A));

    const frame = decodeFrame(ipv6Frame({ src: ll, dst: 'ff02::2', nextHeader: 58, hopLimit: 255 }, b.icmp6Message(133, 0, body)));

    expect(frame.icmp6?.typeName).toBe('router solicitation');
    expect(frame.icmp6?.sourceLinkAddress).toBe(b.MAC_A);
  });

  it('decodes a router advertisement', () => {
    const prefix = b.concat(Uint8Array.of(3, 4, 64, 0xc0), b.u32(86400, 14400, 0), b.ipv6('2001:db8:1::'));
    const mtu = b.concat(Uint8Array.of(5, 1, 0, 0), b.u32(1500));
    const body = b.concat(Uint8Array.of(64, 0x80), b.u16(1800), b.u32(30000, 1000), Uint8Array.of(1, 1), b.mac(b.MAC_B), prefix, mtu);

    const frame = decodeFrame(ipv6Frame({ src: ll, dst: 'ff02::1', nextHeader: 58, hopLimit: 255 }, b.icmp6Message(134, 0, body)));

    expect(frame.icmp6?.typeName).toBe('router advertisement');
    expect(frame.icmp6?.routerAdvertisement).toEqual({
      curHopLimit: 64,
      managed: true,
      other: false,
      routerLifetime: 1800,
      reachableTime: 30000,
      retransTimer: 1000,
    });
    expect(frame.icmp6?.sourceLinkAddress).toBe(b.MAC_B);
    expect(frame.icmp6?.prefixes).toEqual([
      { prefix: '2001:db8:1::', prefixLength: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 },
    ]);
    expect(frame.icmp6?.mtu).toBe(1500);
    expect(frame.malformed).toBeUndefined();
  });

  it('decodes packet too big and the quoted packet', () => {
    const quoted = b.ipv6Packet(
      { src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 17 },
      b.udpDatagram(40000, 33434, new Uint8Array(0)),
    );

    const frame = decodeFrame(
      ipv6Frame(
        { src: '2001:db8::9', dst: '2001:db8::1', nextHeader: 58 },
        b.icmp6Message(2, 0, b.concat(b.u32(1280), quoted)),
      ),
    );

    expect(frame.icmp6?.mtu).toBe(1280);
    expect(frame.icmp6?.quoted).toEqual({ src: '2001:db8::1', dst: '2001:db8:1::2', proto: 17, srcPort: 40000, dstPort: 33434 });
  });

  it('rejects an option of length 0', () => {
    const body = b.concat(b.u32(0), b.ipv6('fe80::2'), Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0));

    const frame = decodeFrame(ipv6Frame({ src: ll, dst: 'ff02::1', nextHeader: 58 }, b.icmp6Message(135, 0, body)));

    expect(frame.icmp6?.target).toBe('fe80::2');
    expect(frame.malformed).toEqual({ layer: 'icmp6', reason: 'option type 1 at offset 0 has length 0', offset: 54 });
  });

  it('stops at a truncated neighbor solicitation', () => {
    const frame = decodeFrame(ipv6Frame({ src: ll, dst: 'ff02::1', nextHeader: 58 }, b.icmp6Message(135, 0, b.u32(0))));

    expect(frame.icmp6?.typeName).toBe('neighbor solicitation');
    expect(frame.icmp6?.target).toBeUndefined();
    expect(frame.malformed?.reason).toBe('truncated header: 8 of 24 bytes');
  });
});

describe('TCP', () => {
  it('decodes the header, flags and options', () => {
    const options = b.concat(Uint8Array.of(2, 4, 5, 0xb4, 4, 2, 8, 10), b.u32(1000, 0), Uint8Array.of(1, 3, 3, 7));
    const tcp = b.tcpSegment({ srcPort: 41234, dstPort: 80, seq: 123, ack: 0, flags: b.TCP_SYN, window: 64240, options });

    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 6 }, tcp));

    expect(frame.tcp).toMatchObject({
      srcPort: 41234,
      dstPort: 80,
      seq: 123,
      ack: 0,
      headerLength: 40,
      flagBits: 0x02,
      flagsText: 'S',
      window: 64240,
      payloadLength: 0,
      truncated: false,
    });
    expect(frame.tcp?.flags).toEqual({ fin: false, syn: true, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false });
    expect(frame.tcp?.options).toEqual([
      { kind: 'mss', value: 1460 },
      { kind: 'sackOK' },
      { kind: 'TS', value: 1000, echo: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
    ]);
  });

  const flagCases: Array<[number, string]> = [
    [b.TCP_SYN | b.TCP_ACK, 'S.'],
    [b.TCP_PSH | b.TCP_ACK, 'P.'],
    [b.TCP_FIN | b.TCP_PSH | b.TCP_ACK, 'FP.'],
    [b.TCP_RST, 'R'],
    [b.TCP_SYN | b.TCP_ECE | b.TCP_CWR, 'SEW'],
    [0xff, 'FSRP.UEW'],
    [0, 'none'],
  ];

  for (const [bits, text] of flagCases) {
    it(`writes flags 0x${bits.toString(16)} as ${text}`, () => {
      const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 6 }, b.tcpSegment({ srcPort: 1, dstPort: 2, flags: bits })));

      expect(frame.tcp?.flagsText).toBe(text);
      expect(frame.tcp?.flagBits).toBe(bits);
    });
  }

  it('decodes payload and SACK blocks', () => {
    const options = b.concat(Uint8Array.of(1, 1, 5, 18), b.u32(100, 200, 300, 400));
    const tcp = b.tcpSegment(
      { srcPort: 80, dstPort: 41234, seq: 7, ack: 9, flags: b.TCP_ACK | b.TCP_PSH, options },
      Uint8Array.of(0x48, 0x49),
    );

    const frame = decodeFrame(ipv4Frame({ src: SERVER, dst: CLIENT, proto: 6 }, tcp));

    expect(frame.tcp?.options[2]).toEqual({ kind: 'sack', blocks: [[100, 200], [300, 400]] });
    expect(frame.tcp?.payloadLength).toBe(2);
    expect(new TextDecoder().decode(frame.tcp?.payload)).toBe('HI');
    expect(frame.tcp?.flags.psh).toBe(true);
    expect(frame.tcp?.flags.ack).toBe(true);
  });

  it('keeps unknown options', () => {
    const tcp = b.tcpSegment({ srcPort: 1, dstPort: 2, flags: b.TCP_ACK, options: Uint8Array.of(77, 4, 0xab, 0xcd) });

    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 6 }, tcp));

    expect(frame.tcp?.options[0]?.kind).toBe('unknown');
    expect(frame.tcp?.options[0]).toMatchObject({ code: 77 });
  });

  it('stops at a data offset below 5', () => {
    const tcp = b.tcpSegment({ srcPort: 1, dstPort: 2, flags: b.TCP_ACK });
    tcp[12] = 0x40;

    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 6 }, tcp));

    expect(frame.tcp).toBeUndefined();
    expect(frame.malformed).toEqual({ layer: 'tcp', reason: 'bad header length 16, less than 20', offset: 34 });
  });

  it('stops at a header longer than the segment', () => {
    const tcp = b.tcpSegment({ srcPort: 1, dstPort: 2, flags: b.TCP_ACK });
    tcp[12] = 0xf0;

    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 6 }, tcp));

    expect(frame.malformed?.reason).toBe('header length 60 exceeds segment length 20');
  });

  it('marks a snaplen cut payload as truncated', () => {
    const data = ipv4Frame(
      { src: CLIENT, dst: SERVER, proto: 6 },
      b.tcpSegment({ srcPort: 1, dstPort: 2, flags: b.TCP_ACK }, new Uint8Array(1000)),
    );

    const frame = decodeFrame(data.subarray(0, 64), { originalLength: data.length });

    expect(frame.tcp?.truncated).toBe(true);
    expect(frame.tcp?.payloadLength).toBe(1000);
    expect(frame.tcp?.payload.length).toBe(10);
    expect(frame.malformed).toBeUndefined();
  });
});

describe('UDP', () => {
  it('decodes ports and lengths', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40000, 40001, new Uint8Array(12))));

    expect(frame.udp).toMatchObject({ srcPort: 40000, dstPort: 40001, length: 20, payloadLength: 12, truncated: false });
    expect(frame.layers).toEqual(['eth', 'ip', 'udp']);
  });

  it('reports a length below 8', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1, 2, new Uint8Array(4), 3)));

    expect(frame.udp?.srcPort).toBe(1);
    expect(frame.malformed).toEqual({ layer: 'udp', reason: 'bad length 3, less than 8', offset: 34 });
  });

  it('reports a length beyond the IP payload', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1, 2, new Uint8Array(4), 100)));

    expect(frame.malformed?.reason).toBe('length 100 exceeds IP payload length 12');
  });
});

describe('DHCP', () => {
  const types = ['DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM'] as const;

  types.forEach((type, index) => {
    it(`decodes message type ${type}`, () => {
      const message = b.dhcpMessage({ op: 1, xid: 1, chaddr: b.MAC_A, options: b.dhcpOption(53, Uint8Array.of(index + 1)) });

      const frame = decodeFrame(ipv4Frame({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17 }, b.udpDatagram(68, 67, message)));

      expect(frame.dhcp?.messageType).toBe(type);
      expect(frame.dhcp?.messageTypeCode).toBe(index + 1);
    });
  });

  it('decodes the fixed fields and options', () => {
    const options = b.concat(
      b.dhcpOption(53, Uint8Array.of(5)),
      Uint8Array.of(0),
      b.dhcpOption(54, b.ipv4('198.18.0.1')),
      b.dhcpOption(51, b.u32(3600)),
      b.dhcpOption(1, b.ipv4('255.255.255.0')),
      b.dhcpOption(3, b.ipv4('198.18.0.1')),
      b.dhcpOption(6, b.ipv4('198.18.0.53'), b.ipv4('198.18.0.54')),
      b.dhcpOption(50, b.ipv4(CLIENT)),
      b.dhcpOption(12, new TextEncoder().encode('client-1')),
    );
    const message = b.dhcpMessage({ op: 2, xid: 0xcafe0001, chaddr: b.MAC_A, yiaddr: CLIENT, broadcast: true, options });

    const frame = decodeFrame(ipv4Frame({ src: '198.18.0.1', dst: CLIENT, proto: 17 }, b.udpDatagram(67, 68, message)));

    expect(frame.dhcp).toEqual({
      op: 'reply',
      xid: 0xcafe0001,
      secs: 0,
      broadcast: true,
      ciaddr: '0.0.0.0',
      yiaddr: CLIENT,
      siaddr: '0.0.0.0',
      giaddr: '0.0.0.0',
      chaddr: b.MAC_A,
      messageType: 'ACK',
      messageTypeCode: 5,
      serverId: '198.18.0.1',
      leaseTime: 3600,
      subnetMask: '255.255.255.0',
      routers: ['198.18.0.1'],
      dnsServers: ['198.18.0.53', '198.18.0.54'],
      requestedIp: CLIENT,
      hostname: 'client-1',
      optionsTruncated: false,
    });
    expect(frame.layers).toEqual(['eth', 'ip', 'udp', 'dhcp']);
  });

  it('decodes plain BOOTP without options', () => {
    const message = b.dhcpMessage({ op: 1, xid: 2, chaddr: b.MAC_A, bootpOnly: true });

    const frame = decodeFrame(ipv4Frame({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17 }, b.udpDatagram(68, 67, message)));

    expect(frame.dhcp?.op).toBe('request');
    expect(frame.dhcp?.messageType).toBeUndefined();
  });

  it('keeps an unknown message type code', () => {
    const message = b.dhcpMessage({ op: 1, xid: 3, chaddr: b.MAC_A, options: b.dhcpOption(53, Uint8Array.of(13)) });

    const frame = decodeFrame(ipv4Frame({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17 }, b.udpDatagram(68, 67, message)));

    expect(frame.dhcp?.messageType).toBeUndefined();
    expect(frame.dhcp?.messageTypeCode).toBe(13);
  });

  it('flags options cut short', () => {
    const message = b.dhcpMessage({ op: 1, xid: 4, chaddr: b.MAC_A, options: b.dhcpOption(53, Uint8Array.of(1)) }).subarray(0, 240 + 3 + 2);
    message[243] = 12;
    message[244] = 9;

    const frame = decodeFrame(ipv4Frame({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17 }, b.udpDatagram(68, 67, message)));

    expect(frame.dhcp?.messageType).toBe('DISCOVER');
    expect(frame.dhcp?.optionsTruncated).toBe(true);
  });

  it('stops at a truncated BOOTP header', () => {
    const frame = decodeFrame(ipv4Frame({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17 }, b.udpDatagram(68, 67, new Uint8Array(100))));

    expect(frame.dhcp).toBeUndefined();
    expect(frame.malformed).toEqual({ layer: 'dhcp', reason: 'truncated header: 100 of 236 bytes', offset: 42 });
  });
});

describe('DNS', () => {
  it('decodes a query', () => {
    const frame = decodeFrame(
      ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40002, 53, b.dnsQuery(4660, 'example.com', 28))),
    );

    expect(frame.dns).toMatchObject({
      id: 4660,
      isResponse: false,
      opcode: 0,
      rcode: 0,
      recursionDesired: true,
      questionCount: 1,
      answerCount: 0,
      question: { name: 'example.com.', type: 28, class: 1 },
    });
  });

  it('decodes response flags', () => {
    const response = b.concat(b.u16(4661, 0x8583, 1, 0, 1, 0), b.dnsName('nope.example'), b.u16(1, 1));

    const frame = decodeFrame(ipv4Frame({ src: SERVER, dst: CLIENT, proto: 17 }, b.udpDatagram(53, 40002, response)));

    expect(frame.dns).toMatchObject({
      id: 4661,
      isResponse: true,
      authoritative: true,
      recursionDesired: true,
      recursionAvailable: true,
      rcode: 3,
      authorityCount: 1,
    });
  });

  it('follows a compression pointer and stops a pointer loop', () => {
    const pointed = b.concat(b.u16(1, 0, 1, 0, 0, 0), Uint8Array.of(3, 0x77, 0x77, 0x77, 0xc0, 22), b.u16(1, 1), b.dnsName('example.org'));
    const loop = b.concat(b.u16(2, 0, 1, 0, 0, 0), Uint8Array.of(0xc0, 12), b.u16(1, 1));

    const pointedFrame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1, 53, pointed)));
    const loopFrame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1, 53, loop)));

    expect(pointedFrame.dns?.question).toEqual({ name: 'www.example.org.', type: 1, class: 1 });
    expect(loopFrame.dns?.id).toBe(2);
    expect(loopFrame.dns?.question).toBeUndefined();
  });

  it('stops at a truncated header', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1, 53, new Uint8Array(5))));

    expect(frame.dns).toBeUndefined();
    expect(frame.malformed?.layer).toBe('dns');
    expect(frame.malformed?.reason).toBe('truncated header: 5 of 12 bytes');
  });
});

describe('malformed frames', () => {
  it('stops at a short Ethernet header', () => {
    const frame = decodeFrame(new Uint8Array(10));

    expect(frame.eth).toBeUndefined();
    expect(frame.layers).toEqual([]);
    expect(frame.malformed).toEqual({ layer: 'eth', reason: 'truncated header: 10 of 14 bytes', offset: 0 });
  });

  it('stops at a wrong IP version', () => {
    const frame = decodeFrame(b.ethernet({ type: 0x0800 }, b.ipv6Packet({ src: '::1', dst: '::1', nextHeader: 59 }, new Uint8Array(0))));

    expect(frame.ip).toBeUndefined();
    expect(frame.malformed).toEqual({ layer: 'ip', reason: 'bad IP version 6, expected 4', offset: 14 });
  });

  it('stops at an IHL below 5', () => {
    const packet = b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 1, 1));
    packet[0] = 0x44;

    const frame = decodeFrame(b.ethernet({ type: 0x0800 }, packet));

    expect(frame.malformed?.reason).toBe('bad header length 16, less than 20');
  });

  it('stops at a total length below the header length', () => {
    const frame = decodeFrame(ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1, totalLength: 12 }, b.icmpEcho(8, 1, 1)));

    expect(asIpv4(frame).src).toBe(CLIENT);
    expect(frame.icmp).toBeUndefined();
    expect(frame.malformed?.reason).toBe('bad total length 12, less than header length 20');
  });

  it('decodes every prefix of valid frames without throwing', () => {
    const frames = [
      ipv4Frame(
        { src: CLIENT, dst: SERVER, proto: 6, options: Uint8Array.of(148, 4, 0, 0) },
        b.tcpSegment({ srcPort: 1, dstPort: 2, flags: 2, options: Uint8Array.of(2, 4, 5, 0xb4) }, new Uint8Array(5)),
      ),
      ipv4Frame(
        { src: '0.0.0.0', dst: '255.255.255.255', proto: 17 },
        b.udpDatagram(
          68,
          67,
          b.dhcpMessage({ op: 1, xid: 1, chaddr: b.MAC_A, options: b.dhcpOption(53, Uint8Array.of(1)) }),
        ),
        [{ vid: 3 }],
      ),
      ipv6Frame(
        { src: 'fe80::1', dst: 'ff02::1', nextHeader: 0, extensions: b.ipv6Extension(58) },
        b.icmp6Message(134, 0, b.concat(new Uint8Array(12), Uint8Array.of(1, 1), b.mac(b.MAC_A))),
      ),
      ipv4Frame(
        { src: SERVER, dst: CLIENT, proto: 1 },
        b.icmpMessage(
          3,
          3,
          b.u32(0),
          b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1, 53, new Uint8Array(0))),
        ),
      ),
      ipv4Frame({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(1, 53, b.dnsQuery(9, 'a.example', 1))),
    ];
    for (const full of frames) {
      const complete = decodeFrame(full);
      expect(complete.malformed, 'complete frame').toBeUndefined();
      for (let length = 0; length < full.length; length++) {
        const frame = decodeFrame(full.subarray(0, length));
        // A prefix decodes a leading part of the layers, and says where or that it was cut.
        expect(complete.layers.slice(0, frame.layers.length), `layers of ${length} bytes`).toEqual(frame.layers);
        expect(frame.malformed !== undefined || frame.ip?.truncated === true, `cut at ${length} bytes is reported`).toBe(true);
      }
    }
  });

  it('decodes random bytes without throwing', () => {
    // A fixed linear congruential generator keeps the bytes the same on every run.
    let state = 12345;
    const next = (): number => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state >>> 24;
    };
    const prefixes = [
      b.ethernet({ type: 0x0800 }, Uint8Array.of(0x45)),
      b.ethernet({ type: 0x86dd }, Uint8Array.of(0x60)),
      b.ethernet({ type: 0x0806 }, new Uint8Array(0)),
      b.ethernet({ type: 0x8100 }, new Uint8Array(0)),
    ];
    let decoded = 0;
    for (let round = 0; round < 2000; round++) {
      const prefix = prefixes[round % prefixes.length] ?? new Uint8Array(0);
      const tail = Uint8Array.from({ length: next() }, next);
      const frame = decodeFrame(b.concat(prefix, tail));
      decoded += frame.layers.length;
    }
    expect(decoded).toBeGreaterThan(2000);
  });
});

describe('decodeRecord', () => {
  it('copies lengths and timestamp from the record', () => {
    const data = ipv4Frame({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 1, 1));
    const capture = readPcapBuffer(
      b.pcapFile([{ data: data.subarray(0, 40), originalLength: data.length, timestampNs: 1_234_000_000_000n }]),
    );
    const [record] = capture.records;
    if (record === undefined) {
      throw new Error('no record');
    }

    const frame = decodeRecord(record, capture.header.linkType);

    expect(frame.timestampNs).toBe(1_234_000_000_000n);
    expect(frame.capturedLength).toBe(40);
    expect(frame.originalLength).toBe(98);
    expect(frame.linkType).toBe(1);
    expect(frame.malformed?.layer).toBe('icmp');
  });
});
