import { formatIpv4, formatMac } from './address.ts';
import { failure, truncatedReason, viewOf } from './bytes.ts';
import type { LayerResult } from './bytes.ts';
import type { ArpPacket, EthernetHeader, VlanTag } from './layers.ts';

/** EtherTypes that introduce a VLAN tag: 802.1Q, 802.1ad and the pre-standard QinQ value. */
export const VLAN_TPIDS: ReadonlySet<number> = new Set([0x8100, 0x88a8, 0x9100]);

const ETHERNET_HEADER_LENGTH = 14;
const VLAN_TAG_LENGTH = 4;
const ARP_FIXED_LENGTH = 8;

/** Decodes an Ethernet II header. The payload starts right after the EtherType. */
export function decodeEthernet(data: Uint8Array): LayerResult<EthernetHeader> {
  if (data.length < ETHERNET_HEADER_LENGTH) {
    return failure(truncatedReason(data.length, ETHERNET_HEADER_LENGTH));
  }
  const value: EthernetHeader = {
    dst: formatMac(data, 0),
    src: formatMac(data, 6),
    type: viewOf(data).getUint16(12),
  };
  return { value, payload: data.subarray(ETHERNET_HEADER_LENGTH) };
}

/** Decodes the 4 bytes after a VLAN TPID: TCI (PCP, DEI, VID) and the next EtherType. */
export function decodeVlanTag(data: Uint8Array, tpid: number): LayerResult<VlanTag> {
  if (data.length < VLAN_TAG_LENGTH) {
    return failure(truncatedReason(data.length, VLAN_TAG_LENGTH, 'VLAN tag'));
  }
  const view = viewOf(data);
  const tci = view.getUint16(0);
  const value: VlanTag = {
    tpid,
    pcp: tci >>> 13,
    dei: (tci & 0x1000) !== 0,
    vid: tci & 0x0fff,
    type: view.getUint16(2),
  };
  return { value, payload: data.subarray(VLAN_TAG_LENGTH) };
}

/** Decodes an ARP or RARP packet. `wireLength` is the packet's length on the wire including padding. */
export function decodeArp(data: Uint8Array, wireLength: number): LayerResult<ArpPacket> {
  if (data.length < ARP_FIXED_LENGTH) {
    return failure(truncatedReason(data.length, ARP_FIXED_LENGTH));
  }
  const view = viewOf(data);
  const hardwareLength = data[4] ?? 0;
  const protocolLength = data[5] ?? 0;
  const required = ARP_FIXED_LENGTH + 2 * (hardwareLength + protocolLength);
  if (data.length < required) {
    return failure(truncatedReason(data.length, required, 'addresses'));
  }

  const operation = view.getUint16(6);
  const senderMacOffset = ARP_FIXED_LENGTH;
  const senderIpOffset = senderMacOffset + hardwareLength;
  const targetMacOffset = senderIpOffset + protocolLength;
  const targetIpOffset = targetMacOffset + hardwareLength;
  const formatProtocolAddress = (offset: number): string =>
    protocolLength === 4 ? formatIpv4(data, offset) : formatMac(data, offset, protocolLength);

  const value: ArpPacket = {
    hardwareType: view.getUint16(0),
    protocolType: view.getUint16(2),
    hardwareLength,
    protocolLength,
    operation,
    operationName: arpOperationName(operation),
    senderMac: formatMac(data, senderMacOffset, hardwareLength),
    senderIp: formatProtocolAddress(senderIpOffset),
    targetMac: formatMac(data, targetMacOffset, hardwareLength),
    targetIp: formatProtocolAddress(targetIpOffset),
    length: wireLength,
  };
  return { value, payload: data.subarray(required) };
}

function arpOperationName(operation: number): string {
  switch (operation) {
    case 1:
      return 'request';
    case 2:
      return 'reply';
    case 3:
      return 'rarp-request';
    case 4:
      return 'rarp-reply';
    case 8:
      return 'inarp-request';
    case 9:
      return 'inarp-reply';
    default:
      return `op-${operation}`;
  }
}
