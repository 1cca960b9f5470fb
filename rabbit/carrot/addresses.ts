/**
 * Rabbit's address plan. Link N uses 198.18.N.0/24, from the range RFC 2544
 * reserves for benchmarking network devices, so no test address can belong
 * to a real network. Rabbit is 198.18.N.1 and the first host on the link is
 * 198.18.N.2. DHCP leases come from 198.18.N.100 to 198.18.N.149.
 */
export interface LinkAddresses {
  /** Network in CIDR notation, e.g. `198.18.1.0/24`. */
  network: string;
  prefixLength: number;
  /** Rabbit's address on the link. */
  rabbit: string;
  /** Address of the first host (app containers) on the link. */
  host: string;
  /** Rabbit's interface name on the link. */
  interface: string;
  /** First and last address that a DHCP server on Rabbit leases on the link. */
  dhcpPool: { first: string; last: string };
}

/** Returns the addresses of link `index`. */
export function addresses(index: number): LinkAddresses {
  return {
    network: `198.18.${index}.0/24`,
    prefixLength: 24,
    rabbit: `198.18.${index}.1`,
    host: `198.18.${index}.2`,
    interface: `eth${index}`,
    dhcpPool: { first: `198.18.${index}.100`, last: `198.18.${index}.149` },
  };
}
