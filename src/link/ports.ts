import { readFile } from 'node:fs/promises';

/**
 * Returns the local ports of sockets in the network namespace of process
 * `pid`, read from /proc/PID/net/{tcp,tcp6} (listening sockets only) or
 * {udp,udp6} (bound sockets). /proc/PID/net shows the namespace of PID, so
 * no command runs inside the container.
 */
export async function listeningPorts(pid: number, protocol: 'tcp' | 'udp'): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const file of [protocol, `${protocol}6`]) {
    let table: string;
    try {
      table = await readFile(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      if (!local || !state) {
        continue;
      }
      // TCP state 0A is LISTEN; a bound UDP socket shows 07 (CLOSE).
      if ((protocol === 'tcp' && state === '0A') || (protocol === 'udp' && state === '07')) {
        ports.add(Number.parseInt(local.split(':')[1] ?? '', 16));
      }
    }
  }
  return ports;
}
