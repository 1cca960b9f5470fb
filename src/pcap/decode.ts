import { decodeDhcp, decodeDns } from './decode-app.ts';
import { decodeIcmp, decodeIcmp6 } from './decode-icmp.ts';
import { decodeIpv4, decodeIpv6 } from './decode-ip.ts';
import { decodeArp, decodeEthernet, decodeVlanTag, VLAN_TPIDS } from './decode-link.ts';
import { decodeTcp, decodeUdp } from './decode-transport.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW } from './format.ts';
import type { LayerResult } from './bytes.ts';
import type { PcapRecord } from './format.ts';
import type { DecodedFrame, IpHeader, LayerName } from './layers.ts';

/** EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType of IPv6. */
export const ETHERTYPE_IPV6 = 0x86dd;
/** EtherType of RARP, which uses the ARP packet format. */
export const ETHERTYPE_RARP = 0x8035;

/** IP protocol numbers that the decoder understands. */
export const IP_PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMP6: 58 } as const;

const DHCP_PORTS: ReadonlySet<number> = new Set([67, 68]);
const DNS_PORT = 53;

/** Options of {@link decodeFrame}. */
export interface DecodeOptions {
  /** LINKTYPE_ value of the capture; default {@link LINKTYPE_ETHERNET}. */
  linkType?: number;
  /** Length on the wire; default the length of `data`. */
  originalLength?: number;
  /** Capture time to copy into the result. */
  timestampNs?: bigint;
}

/**
 * Decodes a captured frame layer by layer. It never throws: at the first layer that is cut
 * short or invalid it sets `malformed` and returns the layers decoded so far.
 */
export function decodeFrame(data: Uint8Array, options: DecodeOptions = {}): DecodedFrame {
  const frame: DecodedFrame = {
    linkType: options.linkType ?? LINKTYPE_ETHERNET,
    capturedLength: data.length,
    originalLength: options.originalLength ?? data.length,
    layers: [],
    vlan: [],
  };
  if (options.timestampNs !== undefined) {
    frame.timestampNs = options.timestampNs;
  }
  const decoder = new FrameDecoder(frame, data);
  decoder.decodeLink();
  return frame;
}

/** Decodes the data of a pcap record, carrying over its lengths and timestamp. */
export function decodeRecord(record: PcapRecord, linkType: number = LINKTYPE_ETHERNET): DecodedFrame {
  return decodeFrame(record.data, {
    linkType,
    originalLength: record.originalLength,
    timestampNs: record.timestampNs,
  });
}

// Walks the layers of one frame and records each result, or the failure, in `frame`.
class FrameDecoder {
  constructor(
    private readonly frame: DecodedFrame,
    private readonly data: Uint8Array,
  ) {}

  decodeLink(): void {
    switch (this.frame.linkType) {
      case LINKTYPE_ETHERNET:
        this.decodeEthernet(this.data);
        return;
      case LINKTYPE_RAW:
        this.decodeRawIp(this.data);
        return;
      case LINKTYPE_IPV4:
        this.decodeNetwork(ETHERTYPE_IPV4, this.data);
        return;
      case LINKTYPE_IPV6:
        this.decodeNetwork(ETHERTYPE_IPV6, this.data);
        return;
      default:
        this.frame.malformed = { layer: 'link', reason: `unsupported link type ${this.frame.linkType}`, offset: 0 };
    }
  }

  private decodeEthernet(data: Uint8Array): void {
    const ethernet = this.accept('eth', data, decodeEthernet(data), (value) => {
      this.frame.eth = value;
    });
    if (ethernet === undefined) {
      return;
    }
    let type = ethernet.value.type;
    let payload = ethernet.payload;
    while (VLAN_TPIDS.has(type)) {
      const tag = this.accept('vlan', payload, decodeVlanTag(payload, type), (value) => {
        this.frame.vlan.push(value);
      });
      if (tag === undefined) {
        return;
      }
      type = tag.value.type;
      payload = tag.payload;
    }
    this.decodeNetwork(type, payload);
  }

  // LINKTYPE_RAW carries IPv4 or IPv6, and the version nibble of the first byte selects the decoder.
  private decodeRawIp(data: Uint8Array): void {
    const version = (data[0] ?? 0) >>> 4;
    this.decodeNetwork(version === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, data);
  }

  private decodeNetwork(etherType: number, data: Uint8Array): void {
    this.frame.etherType = etherType;
    if (etherType === ETHERTYPE_ARP || etherType === ETHERTYPE_RARP) {
      const wireLength = this.frame.originalLength - this.offsetOf(data);
      this.accept('arp', data, decodeArp(data, wireLength), (value) => {
        this.frame.arp = value;
      });
      return;
    }
    if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6) {
      return;
    }
    const result: LayerResult<IpHeader> = etherType === ETHERTYPE_IPV4 ? decodeIpv4(data) : decodeIpv6(data);
    const ip = this.accept('ip', data, result, (value) => {
      this.frame.ip = value;
    });
    if (ip === undefined) {
      return;
    }
    // Later fragments carry payload bytes, not a transport header.
    if (ip.value.fragmentOffset === 0) {
      this.decodeTransport(ip.value, ip.payload);
    }
  }

  private decodeTransport(ip: IpHeader, data: Uint8Array): void {
    const { proto, version, payloadLength: length } = ip;
    if (proto === IP_PROTO.ICMP && version === 4) {
      this.accept('icmp', data, decodeIcmp(data, length), (value) => {
        this.frame.icmp = value;
      });
    } else if (proto === IP_PROTO.ICMP6 && version === 6) {
      this.accept('icmp6', data, decodeIcmp6(data, length), (value) => {
        this.frame.icmp6 = value;
      });
    } else if (proto === IP_PROTO.TCP) {
      this.accept('tcp', data, decodeTcp(data, length), (value) => {
        this.frame.tcp = value;
      });
    } else if (proto === IP_PROTO.UDP) {
      const udp = this.accept('udp', data, decodeUdp(data, length, ip.moreFragments), (value) => {
        this.frame.udp = value;
      });
      if (udp !== undefined) {
        this.decodeApplication(udp.value.srcPort, udp.value.dstPort, udp.payload);
      }
    }
  }

  private decodeApplication(srcPort: number, dstPort: number, data: Uint8Array): void {
    // tcpdump picks BOOTP/DHCP when either port is 67 or 68, and DNS when either port is 53.
    if (DHCP_PORTS.has(srcPort) || DHCP_PORTS.has(dstPort)) {
      this.accept('dhcp', data, decodeDhcp(data), (value) => {
        this.frame.dhcp = value;
      });
    } else if (srcPort === DNS_PORT || dstPort === DNS_PORT) {
      this.accept('dns', data, decodeDns(data), (value) => {
        this.frame.dns = value;
      });
    }
  }

  // Passes a decoded value to `store` and lists the layer. Returns the result on success.
  // On failure it records `malformed` and returns undefined, which stops decoding.
  private accept<T>(
    layer: LayerName,
    data: Uint8Array,
    result: LayerResult<T>,
    store: (value: T) => void,
  ): { value: T; payload: Uint8Array } | undefined {
    if (result.value !== undefined) {
      store(result.value);
      this.frame.layers.push(layer);
    }
    if (result.error !== undefined) {
      this.frame.malformed = { layer, reason: result.error, offset: this.offsetOf(data) };
      return undefined;
    }
    return result;
  }

  private offsetOf(data: Uint8Array): number {
    return data.byteOffset - this.data.byteOffset;
  }
}
