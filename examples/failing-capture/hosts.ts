import type { Link } from 'alpy';

/** Adds 198.18.<index>.2/24 to the link's eth0, and a route to 198.18.<other>.0/24 through minidut. */
export async function addHost(link: Link, other: number): Promise<void> {
  await link.ip('addr', 'add', `198.18.${link.index}.2/24`, 'dev', 'eth0');
  await link.ip('route', 'add', `198.18.${other}.0/24`, 'via', `198.18.${link.index}.1`);
}
