/**
 * Wiring one link: moving a tap from the host into a running node
 * container's network namespace, renaming it `eth0` and setting it up. The
 * node container is started once beforehand and is not timed. Each round
 * creates a tap on the host (`ip tuntap add`, not timed), wires it one of
 * three ways, and deletes it again (not timed):
 *
 * - alpy: `moveTap` from src/link/netns.ts, as `startDut` calls it.
 * - ip alone: the same `ip` and `nsenter` commands in one bash process,
 *   timed inside bash with $EPOCHREALTIME, so no Node.js process spawn counts.
 * - helper containers: one `docker run --rm` per `ip` command. Moving the tap
 *   out of the host's namespace needs a helper in the host's network and pid
 *   namespaces (`--network host --pid host --cap-add NET_ADMIN`); renaming
 *   and setting it up run in helpers that join the node's namespace
 *   (`--network container:<node>`). That is three container starts, and no
 *   privilege is saved, because the first helper can change any host interface.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import type Docker from 'dockerode';

import { connectDocker } from '../src/docker/client.ts';
import { removeRunContainers, startNode, type NodeContainer } from '../src/docker/containers.ts';
import { ensureNodeImage } from '../src/docker/node-image.ts';
import { newRunId } from '../src/dut.ts';
import { moveTap } from '../src/link/netns.ts';
import { toolsImage } from './lib/rabbit.ts';
import type { BenchResult } from './lib/results.ts';
import { epochNow, median, ms, spread } from './lib/stats.ts';

const run = promisify(execFile);
const target = 100;

// The bash side of the "ip alone" way: wires tap $1 into the namespace of
// pid $2 and prints the start and end times in seconds.
const ipAloneScript = `
start=$EPOCHREALTIME
ip link set dev "$1" netns "$2"
nsenter --net=/proc/$2/ns/net ip -batch - <<EOF
link set dev $1 name eth0
link set dev eth0 up
EOF
end=$EPOCHREALTIME
echo "$start $end"
`;

async function createTap(name: string): Promise<void> {
  await run('ip', ['tuntap', 'add', 'dev', name, 'mode', 'tap']);
}

/** Deletes `eth0` in the node's namespace, which is the tap once wired. */
async function deleteWiredTap(node: NodeContainer): Promise<void> {
  await run('nsenter', [`--net=/proc/${node.pid}/ns/net`, 'ip', 'link', 'delete', 'eth0']);
}

async function wireWithAlpy(tap: string, node: NodeContainer): Promise<number> {
  const start = epochNow();
  await moveTap(tap, node.pid);
  return epochNow() - start;
}

async function wireWithIpAlone(tap: string, node: NodeContainer): Promise<number> {
  const { stdout } = await run('bash', ['-c', ipAloneScript, 'wire', tap, String(node.pid)]);
  const [start, end] = stdout.trim().split(' ').map(Number);
  return (end! - start!) * 1000;
}

async function wireWithHelpers(tap: string, node: NodeContainer): Promise<number> {
  const helper = ['run', '--rm', '--cap-add', 'NET_ADMIN', '--label', 'alpy.bench=wiring'];
  const start = epochNow();
  await run('docker', [...helper, '--network', 'host', '--pid', 'host', toolsImage, 'ip', 'link', 'set', 'dev', tap, 'netns', String(node.pid)]);
  await run('docker', [...helper, '--network', `container:${node.id}`, toolsImage, 'ip', 'link', 'set', 'dev', tap, 'name', 'eth0']);
  await run('docker', [...helper, '--network', `container:${node.id}`, toolsImage, 'ip', 'link', 'set', 'dev', 'eth0', 'up']);
  return epochNow() - start;
}

/** Checks that the node's `eth0` exists and is up, so that a way that silently did nothing cannot pass. */
async function checkWired(node: NodeContainer, way: string): Promise<void> {
  const { stdout } = await run('nsenter', [`--net=/proc/${node.pid}/ns/net`, 'ip', '-br', 'link', 'show', 'dev', 'eth0']);
  if (!stdout.startsWith('eth0')) {
    throw new Error(`${way} left no eth0 in the node's namespace: ${stdout}`);
  }
  if (!/<[^>]*\bUP\b[^>]*>/.test(stdout)) {
    throw new Error(`${way} left eth0 down in the node's namespace: ${stdout}`);
  }
}

/** Times `rounds` wirings with alpy and with `ip` alone, and `helperRounds` with helper containers. */
export async function benchWiring(rounds: number, helperRounds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const docker: Docker = await connectDocker();
  const runId = newRunId();
  const node = await startNode(docker, { runId, ownerPid: process.pid }, 0, await ensureNodeImage(docker));
  const times: Record<'alpy' | 'ip' | 'helpers', number[]> = { alpy: [], ip: [], helpers: [] };
  let tapNumber = 0;
  const once = async (way: keyof typeof times, wire: (tap: string, node: NodeContainer) => Promise<number>): Promise<void> => {
    const tap = `ab${runId}w${tapNumber++}`;
    await createTap(tap);
    try {
      times[way].push(await wire(tap, node));
      await checkWired(node, way);
      await deleteWiredTap(node);
    } finally {
      // Deletes the tap when wiring failed and left it on the host.
      await run('ip', ['link', 'delete', tap]).catch(() => undefined);
    }
  };
  try {
    for (let round = 0; round < rounds; round++) {
      await once('alpy', wireWithAlpy);
      await once('ip', wireWithIpAlone);
    }
    for (let round = 0; round < helperRounds; round++) {
      await once('helpers', wireWithHelpers);
    }
  } finally {
    await removeRunContainers(docker, runId);
  }
  const alpy = median(times.alpy);
  const ipAlone = median(times.ip);
  const helpers = median(times.helpers);
  log(`wiring: alpy ${ms(alpy)}, ip alone ${ms(ipAlone)}, helper containers ${ms(helpers)}`);
  return [
    {
      name: 'wiring one link',
      measured: ms(alpy),
      target: `<= ${target} ms`,
      pass: alpy <= target,
      details: [
        `alpy moveTap (ip link set netns, then nsenter ip -batch: rename to eth0, set up): ${spread(times.alpy)}`,
        `the same ip and nsenter commands in one bash process: ${spread(times.ip)}; alpy adds ${ms(alpy - ipAlone)} (${(alpy / ipAlone).toFixed(2)}x): two process spawns from Node.js`,
        `one docker run --rm helper container per ip command (3 per link): ${spread(times.helpers)}, ${(helpers / alpy).toFixed(1)}x alpy`,
        'each round creates the tap on the host with ip tuntap and deletes it afterwards, untimed; the node container is started once, untimed',
      ],
    },
  ];
}
