import { describe, expect, it } from 'vitest';

import { decodeFrame } from '../../src/pcap/decode.ts';
import { checkFilter, InvalidFilterError, matchesFilter, toPredicate, type FrameFilter } from '../../src/traffic/filter.ts';
import * as b from '../helpers/pcap-builder.ts';

describe('checkFilter', () => {
  it('accepts a valid filter', () => {
    expect(() => checkFilter({ protocol: 'tcp', dstPort: 80, tcpFlags: 'S.', icmpType: 'echo reply', dhcp: 'ACK' })).not.toThrow();
  });

  it('lists every problem with suggestions', () => {
    const filter = { proto: 'icmp', protocol: 'ICMP', icmpType: 'echo-reply', tcpFlags: 'SYN', dhcp: 'ack', port: 70000 } as unknown as FrameFilter;
    let message = '';
    try {
      checkFilter(filter);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidFilterError);
      message = (error as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  - proto: unknown key (did you mean protocol?); known keys are protocol, src, dst, host, srcPort, dstPort, port, ethSrc, ethDst, icmpType, tcpFlags, dhcp',
      '  - protocol: "ICMP" is not one of arp, ipv4, ipv6, icmp, icmp6, tcp, udp, dhcp, dns (did you mean icmp?)',
      '  - dhcp: "ack" is not one of DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM (did you mean ACK?)',
      `  - icmpType: "echo-reply" is not a name tcpdump prints (did you mean echo reply?), e.g. 'echo request'`,
      `  - tcpFlags: "SYN" is not in tcpdump's notation, e.g. 'S' (SYN), 'S.' (SYN-ACK), 'F.' or 'R'`,
      '  - port: expected a port number from 0 to 65535, got 70000',
    ]);
  });

  it('is applied before a filter object is used', () => {
    expect(() => toPredicate({ icmpType: 'echo-reply' })).toThrow(InvalidFilterError);
  });
});

describe('matchesFilter', () => {
  const segment = b.tcpSegment({ srcPort: 40000, dstPort: 80, flags: b.TCP_SYN });
  const syn = decodeFrame(b.ethernet({ type: 0x0800 }, b.ipv4Packet({ src: '198.18.0.2', dst: '198.18.1.2', proto: 6 }, segment)));

  it.each<[FrameFilter, boolean]>([
    [{ protocol: 'tcp' }, true],
    [{ protocol: 'udp' }, false],
    [{ src: '198.18.0.2', dstPort: 80 }, true],
    [{ host: '198.18.1.2' }, true],
    [{ port: 40000 }, true],
    [{ tcpFlags: 'S' }, true],
    [{ tcpFlags: 'S.' }, false],
    [{ dst: '198.18.0.2' }, false],
  ])('%j matches a SYN: %s', (filter, expected) => {
    expect(matchesFilter(syn, filter)).toBe(expected);
  });
});
