/** Formats `length` bytes as lowercase colon-separated hex, the notation of MAC addresses (`52:54:00:12:34:56`). */
export function formatMac(bytes: Uint8Array, offset = 0, length = 6): string {
  const parts: string[] = [];
  for (let i = 0; i < length; i++) {
    parts.push((bytes[offset + i] ?? 0).toString(16).padStart(2, '0'));
  }
  return parts.join(':');
}

/** Formats 4 bytes as a dotted-quad IPv4 address. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return [0, 1, 2, 3].map((i) => bytes[offset + i] ?? 0).join('.');
}

/**
 * Formats 16 bytes as an IPv6 address the way tcpdump and inet_ntop do. Groups are lowercase
 * hex without leading zeros, and `::` replaces the longest run of two or more zero groups
 * (the first run on a tie). IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`)
 * addresses end in dotted quads.
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) {
    groups.push(((bytes[offset + 2 * i] ?? 0) << 8) | (bytes[offset + 2 * i + 1] ?? 0));
  }
  const zeros = longestZeroRun(groups);
  const embedsIpv4 =
    zeros.start === 0 && (zeros.length === 6 || (zeros.length === 5 && groups[5] === 0xffff));
  if (embedsIpv4) {
    const prefix = zeros.length === 5 ? '::ffff:' : '::';
    return prefix + formatIpv4(bytes, offset + 12);
  }
  if (zeros.length < 2) {
    return groups.map(hexGroup).join(':');
  }
  const head = groups.slice(0, zeros.start).map(hexGroup).join(':');
  const tail = groups.slice(zeros.start + zeros.length).map(hexGroup).join(':');
  return `${head}::${tail}`;
}

function hexGroup(group: number): string {
  return group.toString(16);
}

function longestZeroRun(groups: readonly number[]): { start: number; length: number } {
  let best = { start: -1, length: 0 };
  let runStart = -1;
  groups.forEach((group, index) => {
    if (group !== 0) {
      runStart = -1;
      return;
    }
    if (runStart < 0) {
      runStart = index;
    }
    const length = index - runStart + 1;
    if (length > best.length) {
      best = { start: runStart, length };
    }
  });
  return best;
}
