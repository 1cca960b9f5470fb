// Compares summaries with the output of the real tcpdump on the same capture files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRecord, readPcapBuffer, summarizeFrame } from '../../src/pcap/index.ts';
import * as b from '../helpers/pcap-builder.ts';

const TCPDUMP = findTcpdump();
if (TCPDUMP === undefined) {
  console.warn('pcap-tcpdump.test.ts: tcpdump not found in /usr/bin, /usr/sbin or PATH, so the comparison with tcpdump is skipped');
}

function findTcpdump(): string | undefined {
  for (const candidate of ['/usr/bin/tcpdump', '/usr/sbin/tcpdump', 'tcpdump']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // Try the next location.
    }
  }
  return undefined;
}

const CLIENT = '198.18.0.2';
const SERVER = '198.18.1.2';

/** A frame, and facts that both summaries must contain. */
interface Case {
  name: string;
  data: Uint8Array;
  facts: string[];
}

function ipv4(spec: b.Ipv4Spec, payload: Uint8Array, vlan?: b.EthernetSpec['vlan']): Uint8Array {
  return b.ethernet({ type: 0x0800, vlan }, b.ipv4Packet(spec, payload));
}

function ipv6(spec: b.Ipv6Spec, payload: Uint8Array): Uint8Array {
  return b.ethernet({ type: 0x86dd }, b.ipv6Packet(spec, payload));
}

// Every TCP case uses its own port pair: tcpdump prints absolute sequence numbers only for
// the first segment of a connection that it sees.
const quotedUdp = b.ipv4Packet({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40000, 53, new Uint8Array(0)));
const quotedUdp6 = b.ipv6Packet(
  { src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 17 },
  b.udpDatagram(40000, 33434, new Uint8Array(0)),
);
const synOptions = b.concat(Uint8Array.of(2, 4, 5, 0xb4, 4, 2, 8, 10), b.u32(1000, 0), Uint8Array.of(1, 3, 3, 7));

const CASES: Case[] = [
  {
    name: 'ICMP echo request',
    data: ipv4({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, 1)),
    facts: ['IP 198.18.0.2 > 198.18.1.2:', 'ICMP echo request', 'id 5', 'seq 1', 'length 64'],
  },
  {
    name: 'ICMP echo reply',
    data: ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpEcho(0, 5, 1)),
    facts: ['IP 198.18.1.2 > 198.18.0.2:', 'ICMP echo reply', 'id 5', 'seq 1', 'length 64'],
  },
  {
    name: 'TCP SYN',
    data: ipv4(
      { src: CLIENT, dst: SERVER, proto: 6 },
      b.tcpSegment({ srcPort: 41234, dstPort: 8080, seq: 123, flags: b.TCP_SYN, options: synOptions }),
    ),
    facts: ['198.18.0.2.41234 > 198.18.1.2.8080', 'Flags [S]', 'seq 123', 'win 64240', 'mss 1460', 'wscale 7', 'length 0'],
  },
  {
    name: 'TCP SYN-ACK',
    data: ipv4(
      { src: SERVER, dst: CLIENT, proto: 6 },
      b.tcpSegment({ srcPort: 8081, dstPort: 41235, seq: 456, ack: 124, flags: b.TCP_SYN | b.TCP_ACK, window: 65160 }),
    ),
    facts: ['198.18.1.2.8081 > 198.18.0.2.41235', 'Flags [S.]', 'seq 456', 'ack 124', 'win 65160', 'length 0'],
  },
  {
    name: 'TCP data',
    data: ipv4(
      { src: CLIENT, dst: SERVER, proto: 6 },
      b.tcpSegment(
        { srcPort: 41236, dstPort: 8082, seq: 124, ack: 457, flags: b.TCP_PSH | b.TCP_ACK, window: 502 },
        new Uint8Array(100),
      ),
    ),
    facts: ['Flags [P.]', 'seq 124:224', 'ack 457', 'win 502', 'length 100'],
  },
  {
    name: 'TCP FIN with wrapping sequence',
    data: ipv4(
      { src: CLIENT, dst: SERVER, proto: 6 },
      b.tcpSegment(
        { srcPort: 41237, dstPort: 8083, seq: 0xfffffff0, ack: 2, flags: b.TCP_FIN | b.TCP_ACK },
        new Uint8Array(32),
      ),
    ),
    facts: ['Flags [F.]', 'seq 4294967280:16', 'length 32'],
  },
  {
    name: 'TCP RST',
    data: ipv4(
      { src: SERVER, dst: CLIENT, proto: 6 },
      b.tcpSegment({ srcPort: 8084, dstPort: 41238, seq: 1, flags: b.TCP_RST, window: 0 }),
    ),
    facts: ['Flags [R]', 'seq 1', 'win 0'],
  },
  {
    name: 'TCP all flags',
    data: ipv4(
      { src: CLIENT, dst: SERVER, proto: 6 },
      b.tcpSegment({ srcPort: 41239, dstPort: 8085, seq: 1, ack: 2, flags: 0xff, urgentPointer: 7 }),
    ),
    facts: ['Flags [FSRP.UEW]', 'urg 7'],
  },
  {
    name: 'TCP without flags',
    data: ipv4({ src: CLIENT, dst: SERVER, proto: 6 }, b.tcpSegment({ srcPort: 41240, dstPort: 8086, seq: 1, flags: 0 })),
    facts: ['Flags [none]'],
  },
  {
    name: 'TCP over IPv6',
    data: ipv6(
      { src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 6 },
      b.tcpSegment({ srcPort: 41241, dstPort: 8443, seq: 1, flags: b.TCP_SYN }),
    ),
    facts: ['IP6 2001:db8::1.41241 > 2001:db8:1::2.8443', 'Flags [S]'],
  },
  {
    name: 'UDP',
    data: ipv4({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40000, 40001, new Uint8Array(12))),
    facts: ['198.18.0.2.40000 > 198.18.1.2.40001', 'UDP, length 12'],
  },
  {
    name: 'ARP request',
    data: b.ethernet(
      { type: 0x0806, dst: 'ff:ff:ff:ff:ff:ff' },
      b.arpPacket({
        operation: 1,
        senderMac: b.MAC_A,
        senderIp: CLIENT,
        targetMac: '00:00:00:00:00:00',
        targetIp: '198.18.0.1',
      }),
    ),
    facts: ['ARP, Request who-has 198.18.0.1 tell 198.18.0.2', 'length 28'],
  },
  {
    name: 'padded ARP reply',
    data: b.concat(
      b.ethernet(
        { type: 0x0806 },
        b.arpPacket({ operation: 2, senderMac: b.MAC_B, senderIp: '198.18.0.1', targetMac: b.MAC_A, targetIp: CLIENT }),
      ),
      new Uint8Array(18),
    ),
    facts: ['ARP, Reply 198.18.0.1 is-at 52:54:00:00:00:0b', 'length 46'],
  },
  {
    name: 'DHCP discover',
    data: ipv4(
      { src: '0.0.0.0', dst: '255.255.255.255', proto: 17 },
      b.udpDatagram(
        68,
        67,
        b.dhcpMessage({ op: 1, xid: 1, chaddr: b.MAC_A, options: b.dhcpOption(53, Uint8Array.of(1)) }),
      ),
    ),
    facts: ['IP 0.0.0.0.68 > 255.255.255.255.67', 'BOOTP/DHCP, Request from 52:54:00:00:00:0a', 'length 300'],
  },
  {
    name: 'DHCP offer',
    data: ipv4(
      { src: '198.18.0.1', dst: CLIENT, proto: 17 },
      b.udpDatagram(
        67,
        68,
        b.dhcpMessage({ op: 2, xid: 1, chaddr: b.MAC_A, yiaddr: CLIENT, options: b.dhcpOption(53, Uint8Array.of(2)) }),
      ),
    ),
    facts: ['198.18.0.1.67 > 198.18.0.2.68', 'BOOTP/DHCP, Reply', 'length 300'],
  },
  {
    name: 'DNS query',
    data: ipv4({ src: CLIENT, dst: SERVER, proto: 17 }, b.udpDatagram(40002, 53, b.dnsQuery(4660, 'example.com', 28))),
    facts: ['198.18.0.2.40002 > 198.18.1.2.53', '4660+', 'AAAA? example.com.', '(29)'],
  },
  {
    name: 'DNS NXDomain response',
    data: ipv4(
      { src: SERVER, dst: CLIENT, proto: 17 },
      b.udpDatagram(53, 40002, b.concat(b.u16(4661, 0x8183, 1, 0, 0, 0), b.dnsName('nope.example'), b.u16(1, 1))),
    ),
    facts: ['4661', 'NXDomain', '0/0/0', '(30)'],
  },
  {
    name: 'ICMP port unreachable',
    data: ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(3, 3, b.u32(0), quotedUdp)),
    facts: ['ICMP 198.18.1.2 udp port 53 unreachable', 'length 36'],
  },
  {
    name: 'ICMP fragmentation needed',
    data: ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(3, 4, b.u16(0, 1400), quotedUdp)),
    facts: ['need to frag (mtu 1400)'],
  },
  {
    name: 'ICMP admin prohibited',
    data: ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(3, 13, b.u32(0), quotedUdp)),
    facts: ['unreachable - admin prohibited filter'],
  },
  {
    name: 'ICMP time exceeded',
    data: ipv4({ src: SERVER, dst: CLIENT, proto: 1 }, b.icmpMessage(11, 0, b.u32(0), quotedUdp)),
    facts: ['ICMP time exceeded in-transit', 'length 36'],
  },
  {
    name: 'VLAN tagged echo',
    data: ipv4({ src: CLIENT, dst: SERVER, proto: 1 }, b.icmpEcho(8, 5, 2), [{ vid: 10, pcp: 3 }]),
    facts: ['IP 198.18.0.2 > 198.18.1.2', 'echo request', 'seq 2'],
  },
  {
    name: 'IPv4 first fragment',
    data: ipv4(
      { src: CLIENT, dst: SERVER, proto: 17, moreFragments: true, id: 77 },
      b.udpDatagram(40000, 40001, new Uint8Array(100), 2008),
    ),
    facts: ['198.18.0.2.40000 > 198.18.1.2.40001', 'UDP, length 2000'],
  },
  {
    name: 'IPv4 later fragment',
    data: ipv4({ src: CLIENT, dst: SERVER, proto: 17, fragmentOffset: 1480, id: 77 }, new Uint8Array(528)),
    facts: ['IP 198.18.0.2 > 198.18.1.2', 'ip-proto-17'],
  },
  {
    name: 'neighbor advertisement',
    data: ipv6(
      { src: 'fe80::1', dst: 'ff02::1', nextHeader: 58, hopLimit: 255 },
      b.icmp6Message(
        136,
        0,
        b.concat(Uint8Array.of(0xa0, 0, 0, 0), b.ipv6('fe80::1'), Uint8Array.of(2, 1), b.mac(b.MAC_A)),
      ),
    ),
    facts: ['IP6 fe80::1 > ff02::1', 'ICMP6, neighbor advertisement', 'tgt is fe80::1', 'length 32'],
  },
  {
    name: 'neighbor solicitation',
    data: ipv6(
      { src: 'fe80::2', dst: 'ff02::1:ff00:1', nextHeader: 58, hopLimit: 255 },
      b.icmp6Message(135, 0, b.concat(b.u32(0), b.ipv6('fe80::1'), Uint8Array.of(1, 1), b.mac(b.MAC_B))),
    ),
    facts: ['IP6 fe80::2 > ff02::1:ff00:1', 'ICMP6, neighbor solicitation', 'who has fe80::1', 'length 32'],
  },
  {
    name: 'router solicitation',
    data: ipv6(
      { src: 'fe80::2', dst: 'ff02::2', nextHeader: 58, hopLimit: 255 },
      b.icmp6Message(133, 0, b.concat(b.u32(0), Uint8Array.of(1, 1), b.mac(b.MAC_B))),
    ),
    facts: ['ICMP6, router solicitation', 'length 16'],
  },
  {
    name: 'router advertisement',
    data: ipv6(
      { src: 'fe80::1', dst: 'ff02::1', nextHeader: 58, hopLimit: 255 },
      b.icmp6Message(
        134,
        0,
        b.concat(
          Uint8Array.of(64, 0x40),
          b.u16(1800),
          b.u32(0, 0),
          Uint8Array.of(1, 1),
          b.mac(b.MAC_A),
          Uint8Array.of(3, 4, 64, 0xc0),
          b.u32(86400, 14400, 0),
          b.ipv6('2001:db8:1::'),
        ),
      ),
    ),
    facts: ['ICMP6, router advertisement', 'length 56'],
  },
  {
    name: 'ICMPv6 echo request',
    data: ipv6(
      { src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 58 },
      b.icmp6Message(128, 0, b.concat(b.u16(7, 1), new Uint8Array(56))),
    ),
    facts: ['ICMP6, echo request', 'id 7', 'seq 1', 'length 64'],
  },
  {
    name: 'ICMPv6 port unreachable',
    data: ipv6({ src: '2001:db8:1::2', dst: '2001:db8::1', nextHeader: 58 }, b.icmp6Message(1, 4, b.concat(b.u32(0), quotedUdp6))),
    facts: ['destination unreachable', 'udp port 33434', 'length 56'],
  },
  {
    name: 'ICMPv6 packet too big',
    data: ipv6({ src: '2001:db8:1::2', dst: '2001:db8::1', nextHeader: 58 }, b.icmp6Message(2, 0, b.concat(b.u32(1280), quotedUdp6))),
    facts: ['packet too big', 'mtu 1280'],
  },
  {
    name: 'IPv6 extension headers',
    data: ipv6(
      { src: '2001:db8::1', dst: '2001:db8:1::2', nextHeader: 0, extensions: b.ipv6Extension(60) },
      b.concat(b.ipv6Extension(17), b.udpDatagram(40000, 40001, new Uint8Array(10))),
    ),
    facts: ['HBH DSTOPT 40000 > 40001', 'UDP, length 10'],
  },
  {
    name: 'IPv6 fragment',
    data: ipv6(
      {
        src: '2001:db8::1',
        dst: '2001:db8:1::2',
        nextHeader: 44,
        extensions: b.ipv6FragmentHeader(17, 1448, false, 99),
      },
      new Uint8Array(100),
    ),
    facts: ['frag (1448|100)'],
  },
  {
    name: 'unknown IP protocol',
    data: ipv4({ src: CLIENT, dst: SERVER, proto: 253 }, new Uint8Array(20)),
    facts: ['ip-proto-253 20'],
  },
  {
    name: 'unknown EtherType',
    data: b.ethernet({ type: 0x88b5 }, new Uint8Array(46)),
    facts: ['52:54:00:00:00:0a > 52:54:00:00:00:0b', 'ethertype Unknown (0x88b5)', 'length 60'],
  },
];

// Removes the summary parts that tcpdump -n does not print; summarizeFrame lists them.
function withoutAdditions(summary: string): string {
  return summary
    .replace(/^(\S+ )((?:vlan \d+, p \d+, )+)/, '$1')
    .replace(/, DHCP-\w+$/, '')
    .replace(/ \(frag \d+:\d+@\d+\+?\)$/, '');
}

// tcpdump 4.99 prints a double space before `ip-proto-N` and a trailing `: ` before hex dumps.
function normalizeSpacing(line: string): string {
  return line.replace(/ {2,}/g, ' ').replace(/[:\s]+$/, '');
}

function runTcpdump(path: string): string[] {
  const output = execFileSync(TCPDUMP ?? 'tcpdump', ['-n', '-r', path], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Lines that start with a tab are hex dumps of payloads that tcpdump could not decode.
  return output.split('\n').filter((line) => line !== '' && !line.startsWith('\t'));
}

const layouts = [
  { name: 'little-endian microseconds', spec: { littleEndian: true, nanosecond: false } },
  { name: 'big-endian nanoseconds', spec: { littleEndian: false, nanosecond: true } },
];

describe.skipIf(TCPDUMP === undefined)('summaries against tcpdump -n (skipped without tcpdump)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'alpy-pcap-tcpdump-'));

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  for (const layout of layouts) {
    describe(layout.name, () => {
      const path = join(directory, `${layout.name.replace(/\W+/g, '-')}.pcap`);
      // Sub-microsecond digits check that both sides cut nanoseconds to microseconds the same way.
      const file = b.pcapFile(
        CASES.map((testCase, index) => ({ data: testCase.data, timestampNs: 1_700_000_000_000_000_000n + BigInt(index) * 1_234_567_891n })),
        layout.spec,
      );
      writeFileSync(path, file);
      const capture = readPcapBuffer(file, path);
      const ours = capture.records.map((record) => summarizeFrame(decodeRecord(record, capture.header.linkType), { timestamp: 'utc' }));
      const theirs = runTcpdump(path);

      it('prints one line per frame', () => {
        expect(theirs).toHaveLength(CASES.length);
        expect(ours).toHaveLength(CASES.length);
      });

      CASES.forEach((testCase, index) => {
        it(`matches ${testCase.name}`, () => {
          const line = theirs[index] ?? '';
          const summary = ours[index] ?? '';
          for (const fact of testCase.facts) {
            expect(line, `tcpdump line contains "${fact}"`).toContain(fact);
            expect(summary, `summary contains "${fact}"`).toContain(fact);
          }
          expect(normalizeSpacing(withoutAdditions(summary))).toBe(normalizeSpacing(line));
        });
      });
    });
  }
});

